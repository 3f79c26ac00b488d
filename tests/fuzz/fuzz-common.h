/* Constants shared by the fuzz targets and the seed generator.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The seed corpus (tests/fuzz/corpus/) is made by gen-seeds.c with exactly
 * these keys; change them and the seeds must be regenerated.
 */
#ifndef __E2EE_FUZZ_COMMON_H__
#define __E2EE_FUZZ_COMMON_H__

#include <glib.h>

G_BEGIN_DECLS

/* The pre-shared base key of every target (16 bytes), and its hex form for
 * the elements' "key" property. */
#define FUZZ_BASE_KEY_HEX "000102030405060708090a0b0c0d0e0f"
static const guint8 fuzz_base_key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
  0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };

/* fuzz-sframe: the two KIDs it has cipher contexts for, one of the short
 * header form and one of the extended form. */
#define FUZZ_SFRAME_KID_SHORT G_GUINT64_CONSTANT (5)
#define FUZZ_SFRAME_KID_LONG G_GUINT64_CONSTANT (0x0123456789)

/* fuzz-e2eedec input (see fuzz-e2eedec.c for the details):
 *
 * byte 0  bit  0    1 = RTP caps (per-packet mode), 0 = frame caps
 *         bits 1-3  cipher suite: (value % 5) + 1
 *         bits 4-5  key source: 0 static key, any KID; 1 static key, only
 *                   KID FUZZ_DEC_STATIC_KID; 2 and 3 keyring, with receive
 *                   keys for KIDs 0..3 preloaded
 *         bits 6-7  replay-window: 0, 64, 1024 (default), 65536
 * byte 1  bits 0-5  rtp-auth-fields
 *         bit  6    drop-report-interval 0 (report every drop), else 1000
 *         bit  7    unknown-kid-timeout 0 (drop at once), else 2000 ms
 * byte 2  bits 0-2  frame caps variant (see caps_variants[])
 *         bits 3-4  unknown-kid-max-bytes: 2 MiB, 0, 300, 4096
 *         bit  5    no EOS at the end (teardown with held buffers)
 *         bit  6    allow one FLOOD record (slow: it is off in the seeds)
 *         bit  7    suite from the caps: cipher-suite unset, the caps
 *                   carry sframe-suite (see FUZZ_OP_CAPS)
 * then records: op (1 byte), body length (2 bytes, little endian), body.
 *
 * op bits 0-3: FuzzOp (value % FUZZ_OP_N); bit 6: give the buffer a PTS,
 * flags and a reference timestamp meta; bit 7: append the buffer to a
 * pending buffer list, pushed with gst_pad_push_list() by the next record
 * without the bit (or at the end).
 *
 * A "varint" in a body is 1 byte n (taken % 9) then n bytes, big endian. */
#define FUZZ_DEC_STATIC_KID G_GUINT64_CONSTANT (7)
#define FUZZ_DEC_KEYRING_PRELOADED 4
/* the second key of SET_KEY / KEY_ADD / SEAL (flags bit 0) */
#define FUZZ_ALT_KEY_HEX "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a59687"
static const guint8 fuzz_alt_key[24] = { 0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5,
  0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f, 0xf0, 0xe1, 0xd2,
  0xc3, 0xb4, 0xa5, 0x96, 0x87 };

typedef enum
{
  FUZZ_OP_RAW = 0, /* body: the buffer, pushed as it is */
  FUZZ_OP_SEAL = 1, /* body: kid varint, ctr varint, flags byte, then
                     * the frame (frame mode) or RTP packet (RTP mode)
                     * whose payload the harness encrypts so that the
                     * tag is valid.  flags bit 0: with the alternate
                     * key; flags >> 1 = f != 0: flip bit
                     * (f - 1) * 13 of the SFrame (mod its size) */
  FUZZ_OP_KEY_ADD = 2, /* body: kid varint, flags (bit 0 alt key,
                        * bit 1 a send key); keyring only */
  FUZZ_OP_KEY_REMOVE = 3, /* body: kid varint; keyring only */
  FUZZ_OP_KEY_RETIRE = 4, /* body: kid varint, grace (10 us units) */
  FUZZ_OP_FLUSH = 5, /* flush-start, flush-stop, segment */
  FUZZ_OP_SET_KID = 6, /* body: kid varint (empty: any); "kid" property */
  FUZZ_OP_SET_KEY = 7, /* body: 1 byte % 4: none, base key, alternate
                        * key, invalid hex; "key" property */
  FUZZ_OP_CAPS = 8, /* body: 1 byte, caps variant (see caps_variants);
                     * with the suite from the caps, 1 byte & 3: the
                     * caps name the suite of SEAL, none, another
                     * suite, an unknown one */
  FUZZ_OP_STATS = 9, /* reads the "stats" property */
  FUZZ_OP_FLOOD = 10, /* (byte 2 bit 6 only) body: count (2 bytes LE, at most
                       * FUZZ_FLOOD_MAX): pushes, in one buffer list, that
                       * many forged packets with distinct KIDs
                       * (FUZZ_FLOOD_KID_BASE + record index * 4096 + i) */
  FUZZ_OP_TUNE = 11, /* body: which (% 5: replay-window,
                      * unknown-kid-timeout, unknown-kid-max-bytes,
                      * drop-report-interval, rtp-auth-fields), value (3
                      * bytes LE); set while playing */
  FUZZ_OP_N = 12,
} FuzzOp;

#define FUZZ_FLOOD_MAX 1536
#define FUZZ_FLOOD_KID_BASE G_GUINT64_CONSTANT (0x10000000)

#define FUZZ_OP_META_BIT 0x40
#define FUZZ_OP_LIST_BIT 0x80

G_END_DECLS

#endif /* __E2EE_FUZZ_COMMON_H__ */
