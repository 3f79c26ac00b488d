/* libFuzzer target: the WebSocket frame guard of ext/meeting/meetingws.c
 * (whole messages bounded while they arrive).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: byte 0 bit 0: the guard is the server's (frames must be masked);
 * bits 1-7: seed of the chunking; bytes 1-2: the message bound (big
 * endian, 0..65535); the rest: the bytes a peer sends.
 *
 * Properties:
 * - the follower (MeetingWsParser) gives the same verdict, frame and
 *   message counts whatever the chunking of the bytes;
 * - it agrees with an independent implementation of the rules written
 *   here over the whole buffer (RFC 6455 5.2, 5.4, 5.5: reserved bits and
 *   opcodes, masking, control frames, continuation order, 63-bit lengths,
 *   the bound on the sum of a message's frames);
 * - the guard stream (a pollable GIOStream over a memory stream) hands on
 *   exactly the input while it is acceptable, then fails the read with a
 *   G_IO_ERROR, every time after as well, and never hands on a byte of a
 *   message over the bound beyond the header that announced it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meetingws.h"

typedef struct
{
  gboolean failed;
  gboolean too_large;
  guint64 frames;
  guint64 messages;
  gsize fail_at; /* offset just after the header that failed */
} Verdict;

/* The rules again, written over the whole buffer. */
static Verdict
reference (const guint8 *d, gsize n, gboolean masked, guint64 max)
{
  Verdict v = { 0 };
  gsize pos = 0;
  gboolean in_msg = FALSE;
  guint64 msg = 0;

  while (pos < n) {
    gsize h = 2;
    guint64 len;
    guint op;
    gboolean fin, m;

    if (n - pos < 2)
      break;
    len = d[pos + 1] & 0x7f;
    m = (d[pos + 1] & 0x80) != 0;
    h += (len == 126 ? 2 : len == 127 ? 8 : 0) + (m ? 4 : 0);
    if (n - pos < h)
      break;
    if (len == 126) {
      len = (guint64)d[pos + 2] << 8 | d[pos + 3];
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++)
        len = len << 8 | d[pos + 2 + i];
    }
    fin = (d[pos] & 0x80) != 0;
    op = d[pos] & 0x0f;
    v.fail_at = pos + h;
    if ((d[pos] & 0x70) || m != masked || (len >> 63) || (op == 0 && !in_msg) ||
        ((op == 1 || op == 2) && in_msg) || (op >= 3 && op <= 7) || op >= 11 ||
        (op >= 8 && (!fin || len > 125))) {
      v.failed = TRUE;
      return v;
    }
    if (op < 8) {
      if (op != 0)
        msg = 0;
      if (msg + len > max || msg + len < msg) {
        v.failed = v.too_large = TRUE;
        return v;
      }
      msg += len;
      in_msg = !fin;
      if (fin) {
        v.messages++;
        msg = 0;
      }
    }
    v.frames++;
    if (len > n - pos - h)
      break;
    pos += h + (gsize)len;
  }
  return v;
}

static guint32
next (guint32 *s)
{
  *s = *s * 1103515245u + 12345u;
  return *s >> 8;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gboolean masked;
  guint64 max;
  const guint8 *d;
  gsize n, pos;
  guint32 seed;
  MeetingWsParser whole, parts;
  Verdict ref;
  GError *err = NULL;
  gboolean ok_whole, ok_parts = TRUE;
  GInputStream *mem_in;
  GOutputStream *mem_out;
  GIOStream *base, *guard;
  GPollableInputStream *in;
  guint8 buf[97];
  gsize passed = 0;

  if (size < 3)
    return 0;
  masked = data[0] & 1;
  seed = data[0] >> 1;
  max = (guint64)data[1] << 8 | data[2];
  d = data + 3;
  n = size - 3;

  /* whole, then in pieces */
  meeting_ws_parser_init (&whole, masked, max);
  ok_whole = meeting_ws_parser_feed (&whole, d, n, &err);
  if (!ok_whole) {
    if (!err || err->domain != G_IO_ERROR)
      abort ();
    g_clear_error (&err);
  }
  meeting_ws_parser_init (&parts, masked, max);
  for (pos = 0; pos < n && ok_parts;) {
    gsize k = 1 + next (&seed) % 17;
    k = MIN (k, n - pos);
    ok_parts = meeting_ws_parser_feed (&parts, d + pos, k, NULL);
    if (parts.message_bytes > max)
      abort ();
    pos += k;
  }
  if (ok_whole != ok_parts || whole.frames != parts.frames ||
      whole.messages != parts.messages)
    abort ();
  if (ok_whole &&
      (whole.in_message != parts.in_message ||
          whole.message_bytes != parts.message_bytes))
    abort ();

  /* the independent rules */
  ref = reference (d, n, masked, max);
  if (ref.failed == ok_whole || ref.messages != whole.messages ||
      (!ref.failed && ref.frames != whole.frames))
    abort ();

  /* the guard stream */
  mem_in = g_memory_input_stream_new_from_data (d, (gssize)n, NULL);
  mem_out = g_memory_output_stream_new_resizable ();
  base = g_simple_io_stream_new (mem_in, mem_out);
  guard = meeting_ws_guard_new (base, masked, max);
  in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (guard));
  if (!g_pollable_input_stream_can_poll (in))
    abort ();
  while (TRUE) {
    gsize want = 1 + next (&seed) % sizeof (buf);
    gssize r =
        g_pollable_input_stream_read_nonblocking (in, buf, want, NULL, &err);
    if (r < 0) {
      if (!err || err->domain != G_IO_ERROR || ok_whole)
        abort ();
      if (ref.too_large && err->code != G_IO_ERROR_MESSAGE_TOO_LARGE)
        abort ();
      g_clear_error (&err);
      /* refused for good */
      if (g_pollable_input_stream_read_nonblocking (in, buf, 1, NULL, &err) >=
          0)
        abort ();
      g_clear_error (&err);
      break;
    }
    if (r == 0)
      break;
    if (memcmp (buf, d + passed, (gsize)r) != 0)
      abort ();
    passed += (gsize)r;
  }
  if (ok_whole ? passed != n : passed >= ref.fail_at)
    abort ();
  if (!g_io_stream_close (guard, NULL, NULL) || !g_io_stream_is_closed (base))
    abort ();
  g_object_unref (guard);
  g_object_unref (base);
  g_object_unref (mem_in);
  g_object_unref (mem_out);
  return 0;
}
