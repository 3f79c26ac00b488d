/* e2eeenc: the streaming path (ciphers from the key source, counters,
 * encryption of RTP packets and frames into recycled memories, in place
 * or by copying, stats).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eeenc-priv.h"

#define GST_CAT_DEFAULT gst_e2ee_enc_debug

/* cipher-suite changed while playing: the output caps name the new suite
 * before the first buffer encrypted with it. */
static void
update_caps_suite (GstE2eeEnc *self)
{
  GstCaps *caps = gst_pad_get_current_caps (self->srcpad);

  self->caps_suite = self->cur_suite;
  if (!caps)
    return;
  caps = gst_caps_make_writable (caps);
  gst_caps_set_simple (caps, E2EE_CAPS_SUITE, G_TYPE_STRING,
      e2ee_suite_nick (self->cur_suite), NULL);
  GST_INFO_OBJECT (self, "suite changed, output caps %" GST_PTR_FORMAT, caps);
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
}

/* Makes self->cipher match the current key source. FALSE on a fatal
 * error (posted); TRUE with cipher == NULL when there is no send key. */
static gboolean
ensure_cipher (GstE2eeEnc *self)
{
  gint cookie = g_atomic_int_get (&self->config_cookie);

  if (G_UNLIKELY (cookie != self->cur_cookie)) {
    gst_e2ee_enc_reset_crypto (self);
    self->cur_cookie = cookie;
    GST_OBJECT_LOCK (self);
    self->static_mode = self->key != NULL;
    self->cur_suite = self->suite;
    self->cur_auth_fields = self->rtp_auth_fields;
    self->cur_keyring = self->keyring ? gst_object_ref (self->keyring) : NULL;
    if (self->static_mode) {
      GError *err = NULL;
      gchar *dir = g_strdup (self->counter_dir);
      guint64 kid = self->kid;
      gboolean ok = e2ee_counter_store_open (
          &self->store, dir, self->suite, kid, self->key, self->key_len, &err);
      if (ok)
        self->cipher = gst_e2ee_sframe_cipher_new (self->suite,
            GST_E2EE_SFRAME_BACKEND_AUTO, kid, self->key, self->key_len);
      GST_OBJECT_UNLOCK (self);
      g_free (dir);
      if (!ok) {
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
            ("Cannot reserve SFrame counters for the pre-shared key"),
            ("%s", err->message));
        g_error_free (err);
        return FALSE;
      }
      self->store_open = TRUE;
      if (!self->cipher) {
        GST_ELEMENT_ERROR (self, LIBRARY, INIT,
            ("Cannot set up cipher suite %d", self->cur_suite), (NULL));
        return FALSE;
      }
      GST_INFO_OBJECT (self,
          "pre-shared key, KID %" G_GUINT64_FORMAT
          ", counters from %" G_GUINT64_FORMAT ", backend %s",
          kid, self->store.next,
          gst_e2ee_sframe_backend_name (
              gst_e2ee_sframe_cipher_get_backend (self->cipher)));
      return TRUE;
    }
    GST_OBJECT_UNLOCK (self);
    self->keyring_gen = G_MAXUINT;
  }

  if (self->static_mode)
    return TRUE;

  if (self->cur_keyring) {
    guint gen = gst_e2ee_keyring_get_generation (self->cur_keyring);
    GstE2eeKey *key;

    if (G_LIKELY (gen == self->keyring_gen))
      return TRUE;
    self->keyring_gen = gen;
    key = gst_e2ee_keyring_get_send_key (self->cur_keyring);
    if (key == self->send_key) {
      if (key)
        gst_e2ee_key_unref (key);
      return TRUE;
    }
    g_clear_pointer (&self->cipher, gst_e2ee_sframe_cipher_free);
    g_clear_pointer (&self->send_key, gst_e2ee_key_unref);
    if (key) {
      gsize len;
      const guint8 *base = gst_e2ee_key_get_base_key (key, &len);
      self->cipher = gst_e2ee_sframe_cipher_new (self->cur_suite,
          GST_E2EE_SFRAME_BACKEND_AUTO, gst_e2ee_key_get_kid (key), base, len);
      if (!self->cipher) {
        gst_e2ee_key_unref (key);
        GST_ELEMENT_ERROR (self, LIBRARY, INIT,
            ("Cannot set up cipher suite %d", self->cur_suite), (NULL));
        return FALSE;
      }
      self->send_key = key;
      GST_INFO_OBJECT (self, "sending with keyring KID %" G_GUINT64_FORMAT,
          gst_e2ee_key_get_kid (key));
    }
  }
  return TRUE;
}

static gboolean
next_counter (GstE2eeEnc *self, guint64 *ctr)
{
  GError *err = NULL;

  if (self->static_mode) {
    if (e2ee_counter_store_next (&self->store, ctr, &err))
      return TRUE;
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot reserve more SFrame counters"), ("%s", err->message));
    g_error_free (err);
    return FALSE;
  }
  if (gst_e2ee_key_next_counter (self->send_key, ctr))
    return TRUE;
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("SFrame counter of KID %" G_GUINT64_FORMAT " exhausted",
          gst_e2ee_key_get_kid (self->send_key)),
      ("the keyring must rekey"));
  return FALSE;
}

static void
account (GstE2eeEnc *self, guint64 kid, guint64 ctr, gsize in, gsize out)
{
  KidStats *k = NULL;

  STAT_ADD (self->packets, 1);
  STAT_ADD (self->bytes_in, in);
  STAT_ADD (self->bytes_out, out);
  for (guint i = self->kid_stats->len; i > 0; i--) {
    KidStats *c = &g_array_index (self->kid_stats, KidStats, i - 1);
    if (c->kid == kid) {
      k = c;
      break;
    }
  }
  if (G_UNLIKELY (!k)) {
    KidStats n = { kid, 0, 0, 0 };
    GST_OBJECT_LOCK (self);
    if (self->kid_stats->len >= 256)
      g_array_remove_index (self->kid_stats, 0);
    g_array_append_val (self->kid_stats, n);
    GST_OBJECT_UNLOCK (self);
    k = &g_array_index (self->kid_stats, KidStats, self->kid_stats->len - 1);
  }
  STAT_ADD (k->packets, 1);
  STAT_ADD (k->bytes, out);
  __atomic_store_n (&k->last_ctr, ctr, __ATOMIC_RELAXED);
}

/* Whether the output of a packet of in_size bytes fits a packet buffer */
static gboolean
fits_packet (GstE2eeEnc *self, gsize in_size, guint64 ctr)
{
  return in_size + gst_e2ee_sframe_cipher_overhead (self->cipher, ctr) <=
      E2EE_ENC_PACKET_MEM_SIZE;
}

/* The output of a packet that fits a packet buffer (see fits_packet()):
 * hdr_len bytes of RTP header (none for a frame) copied from hdr (or from
 * the start of hdr_buf when hdr is NULL), then the SFrame
 * header, the payload encrypted out of place and the tag, in the one
 * memory of a buffer from the element's recycler.  The cipher reads the
 * payload once and writes the ciphertext once, as in place, and the
 * output is one contiguous block (what a socket sends best) in a buffer
 * that comes back to the element when downstream drops it: no allocation
 * and no memory added to a buffer per packet.  In GStreamer 1.22 each
 * memory added to a buffer and released again costs about a fifth of the
 * AEAD of 1200 bytes (locks, references, parent links, all atomic; see
 * tests/bench/README.md), which is why packets are not encrypted in place
 * between header and tag memories.  NULL on failure.  The caller copies
 * the input's metadata. */
static GstBuffer *
seal_packet (GstE2eeEnc *self, const guint8 *hdr, GstBuffer *hdr_buf,
    gsize hdr_len, const guint8 *payload, gsize plen, const guint8 *meta,
    gsize mlen, guint64 ctr)
{
  gsize cap =
      hdr_len + plen + gst_e2ee_sframe_cipher_overhead (self->cipher, ctr);
  guint8 *d;
  GstBuffer *out = e2ee_enc_recycler_take_buffer (self->packet_bufs, cap, &d);
  gssize n;

  /* ours alone until pushed: written without a map */
  if (hdr_len) {
    if (hdr)
      memcpy (d, hdr, hdr_len);
    else
      gst_buffer_extract (hdr_buf, 0, d, hdr_len);
    d[0] &= ~0x20; /* RTP padding is not carried over */
  }
  n = gst_e2ee_sframe_cipher_encrypt (
      self->cipher, ctr, meta, mlen, payload, plen, d + hdr_len, cap - hdr_len);
  if (n < 0) {
    gst_buffer_unref (out);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (n));
    return NULL;
  }
  return out;
}

/* The metas the copying path would not carry (those that describe a
 * memory layout, or cannot be copied) leave a buffer encrypted in place. */
static gboolean
strip_meta (GstBuffer *buf, GstMeta **meta, gpointer unused)
{
  const GstMetaInfo *info = (*meta)->info;
  const gchar *const *tags = gst_meta_api_type_get_tags (info->api);

  if ((!info->transform_func || (tags && tags[0])) &&
      !GST_META_FLAG_IS_SET (*meta, GST_META_FLAG_LOCKED))
    *meta = NULL;
  return TRUE;
}

/* Encrypts len bytes at data + skip (a mapped memory of the input) where
 * they are, and returns two new small memories: the SFrame header preceded
 * by the skip bytes before the payload (the RTP header when header and
 * payload share one memory), and the tag. */
static gboolean
seal_mapped (GstE2eeEnc *self, guint8 *data, gsize skip, gsize len,
    const guint8 *meta, gsize mlen, guint64 ctr, GstMemory **hmem_out,
    GstMemory **tmem_out)
{
  gsize hlen = gst_e2ee_sframe_header_len (
      gst_e2ee_sframe_cipher_get_kid (self->cipher), ctr);
  gsize nt = gst_e2ee_sframe_cipher_overhead (self->cipher, ctr) - hlen;
  GstMemory *hmem, *tmem;
  gsize hl = 0;
  GstE2eeSFrameResult r = GST_E2EE_SFRAME_ERR_CRYPTO;

  if (G_LIKELY (skip + hlen <= E2EE_ENC_HDR_MEM_SIZE &&
          nt <= E2EE_ENC_HDR_MEM_SIZE)) {
    /* ours alone until inserted: written without a map */
    hmem = e2ee_enc_recycler_take (self->hdr_mems, skip + hlen);
    tmem = e2ee_enc_recycler_take (self->hdr_mems, nt);
    memcpy (((RecycledMem *)hmem)->data, data, skip);
    r = gst_e2ee_sframe_cipher_encrypt_inplace (self->cipher, ctr, meta, mlen,
        ((RecycledMem *)hmem)->data + skip, &hl, data + skip, len,
        ((RecycledMem *)tmem)->data);
  } else {
    GstMapInfo hm, tm;
    hmem = gst_allocator_alloc (NULL, skip + hlen, NULL);
    tmem = gst_allocator_alloc (NULL, nt, NULL);
    if (gst_memory_map (hmem, &hm, GST_MAP_WRITE)) {
      if (gst_memory_map (tmem, &tm, GST_MAP_WRITE)) {
        guint8 tag[GST_E2EE_SFRAME_TAG_MAX];
        memcpy (hm.data, data, skip);
        r = gst_e2ee_sframe_cipher_encrypt_inplace (self->cipher, ctr, meta,
            mlen, hm.data + skip, &hl, data + skip, len, tag);
        memcpy (tm.data, tag, nt);
        gst_memory_unmap (tmem, &tm);
      }
      gst_memory_unmap (hmem, &hm);
    }
  }
  if (r != GST_E2EE_SFRAME_OK || hl != hlen) {
    gst_memory_unref (hmem);
    gst_memory_unref (tmem);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (r));
    return FALSE;
  }
  *hmem_out = hmem;
  *tmem_out = tmem;
  return TRUE;
}

/* After seal_mapped() on memory idx of in: that memory now holds the
 * payload alone, between the header and the tag memories. */
static void
attach_around (GstBuffer *in, guint idx, gsize skip, gsize len, GstMemory *hmem,
    GstMemory *tmem)
{
  gpointer state = NULL;

  gst_memory_resize (gst_buffer_peek_memory (in, idx), skip, len);
  gst_buffer_insert_memory (in, idx, hmem);
  gst_buffer_insert_memory (in, idx + 2, tmem);
  if (G_UNLIKELY (gst_buffer_iterate_meta (in, &state)))
    gst_buffer_foreach_meta (in, strip_meta, NULL);
}

/* Without a copy: bytes off..off+len of in (the payload, the end of the
 * buffer) are encrypted where they are, between two new small memories:
 * one with the SFrame header (preceded by the bytes of the RTP header that
 * shared the payload's memory, if any) and one with the tag.  A payload in
 * several memories is merged first.  in must be writable (ours alone); it
 * becomes the output. */
static gboolean
encrypt_inplace (GstE2eeEnc *self, GstBuffer *in, gsize off, gsize len,
    const guint8 *meta, gsize mlen, guint64 ctr)
{
  GstMemory *hmem, *tmem;
  GstMapInfo pm;
  guint idx, n;
  gsize skip;
  gboolean ok;

  if (!gst_buffer_find_memory (in, off, len, &idx, &n, &skip) ||
      !gst_buffer_map_range (in, idx, n, &pm, GST_MAP_READWRITE))
    return FALSE;
  /* (a payload over several memories is one merged memory at idx now) */
  ok = seal_mapped (self, pm.data, skip, len, meta, mlen, ctr, &hmem, &tmem);
  gst_buffer_unmap (in, &pm);
  if (!ok)
    return FALSE;
  attach_around (in, idx, skip, len, hmem, tmem);
  return TRUE;
}

/* The length of the RTP header at d (size bytes), CSRCs and extension
 * included, when the checks of gst_rtp_buffer_map() pass on it and there
 * is no padding; 0 otherwise. */
static gsize
simple_rtp_header_len (const guint8 *d, gsize size)
{
  gsize len;

  if (size < 12 || (d[0] & 0xc0) != 0x80 || (d[0] & 0x20))
    return 0;
  len = 12 + 4 * (d[0] & 0x0f);
  if (d[0] & 0x10) {
    if (len + 4 > size)
      return 0;
    len += 4 + 4 * (gsize)GST_READ_UINT16_BE (d + len + 2);
  }
  return len <= size ? len : 0;
}

/* The usual packets, without padding: header and payload in one memory
 * (from the network, or a payloader that writes both), or the header in
 * one memory and the payload in a second (rtpbasepayload).  The header is
 * read where it is, the payload mapped once.  Into a packet buffer when
 * `packet` (see seal_packet()), else in place (in must then be writable:
 * it becomes the output).  Returns FALSE without side effects when the
 * packet is not of these shapes: encrypt_rtp() then validates and handles
 * it.  Otherwise *out is the output, NULL on failure. */
static gboolean
encrypt_rtp_simple (GstE2eeEnc *self, GstBuffer *in, gboolean packet,
    guint64 ctr, GstBuffer **out)
{
  guint n = gst_buffer_n_memory (in);
  GstMemory *mem, *pmem, *hmem, *tmem;
  guint8 meta[E2EE_RTP_METADATA_MAX];
  GstMapInfo hm, pm;
  gsize hdr_len, mlen;
  GstMapFlags pflags = packet ? GST_MAP_READ : GST_MAP_READWRITE;
  gboolean ok;

  if (n != 1 && n != 2)
    return FALSE;
  mem = gst_buffer_peek_memory (in, 0);
  if (!gst_memory_map (mem, &hm, n == 1 ? pflags : GST_MAP_READ))
    return FALSE;
  hdr_len = simple_rtp_header_len (hm.data, hm.size);
  /* one memory: a payload after the header; two: the header alone, then
   * the payload */
  if (hdr_len == 0 || (n == 1 && hdr_len == hm.size) ||
      (n == 2 && hdr_len != hm.size))
    goto other;
  mlen = e2ee_rtp_header_metadata (hm.data, self->cur_auth_fields, meta);
  if (n == 1) {
    if (packet) {
      *out = seal_packet (self, hm.data, NULL, hdr_len, hm.data + hdr_len,
          hm.size - hdr_len, meta, mlen, ctr);
      gst_memory_unmap (mem, &hm);
      return TRUE;
    }
    ok = seal_mapped (self, hm.data, hdr_len, hm.size - hdr_len, meta, mlen,
        ctr, &hmem, &tmem);
    gst_memory_unmap (mem, &hm);
    if (ok)
      attach_around (in, 0, hdr_len, hm.size - hdr_len, hmem, tmem);
    *out = ok ? in : NULL;
    return TRUE;
  }
  pmem = gst_buffer_peek_memory (in, 1);
  if (!gst_memory_map (pmem, &pm, pflags))
    goto other;
  if (pm.size == 0) {
    gst_memory_unmap (pmem, &pm);
    goto other;
  }
  if (packet) {
    *out = seal_packet (
        self, hm.data, NULL, hdr_len, pm.data, pm.size, meta, mlen, ctr);
    ok = *out != NULL;
  } else {
    ok = seal_mapped (self, pm.data, 0, pm.size, meta, mlen, ctr, &hmem, &tmem);
  }
  gst_memory_unmap (pmem, &pm);
  gst_memory_unmap (mem, &hm);
  if (!packet) {
    if (ok)
      attach_around (in, 1, 0, pm.size, hmem, tmem);
    *out = ok ? in : NULL;
  }
  return TRUE;

other:
  gst_memory_unmap (mem, &hm);
  return FALSE;
}

/* Packets whose output fits a packet buffer go into one (see
 * seal_packet()), writable or not; larger ones are encrypted in place when
 * writable, else copied into a new buffer. */
static GstBuffer *
encrypt_rtp (GstE2eeEnc *self, GstBuffer *in, gsize in_size, gboolean writable,
    guint64 ctr)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint8 meta[E2EE_RTP_METADATA_MAX];
  gsize mlen, hdr_len, plen, cap;
  gboolean packet = fits_packet (self, in_size, ctr);
  GstBuffer *out;
  GstMapInfo map;
  gssize n;

  if ((packet || writable) && encrypt_rtp_simple (self, in, packet, ctr, &out))
    return out;
  if (!gst_rtp_buffer_map (in, GST_MAP_READ, &rtp))
    return NULL;
  hdr_len = gst_rtp_buffer_get_header_len (&rtp);
  plen = gst_rtp_buffer_get_payload_len (&rtp);
  mlen = e2ee_rtp_metadata (&rtp, self->cur_auth_fields, meta);
  if (packet) {
    out = seal_packet (self, NULL, in, hdr_len,
        gst_rtp_buffer_get_payload (&rtp), plen, meta, mlen, ctr);
    gst_rtp_buffer_unmap (&rtp);
    return out;
  }
  /* in place unless the buffer is shared or its padding bit must be
   * cleared (padding is not carried over) */
  if (writable && plen > 0 && !gst_rtp_buffer_get_padding (&rtp)) {
    gst_rtp_buffer_unmap (&rtp);
    if (!encrypt_inplace (self, in, hdr_len, plen, meta, mlen, ctr))
      return NULL;
    return in;
  }
  cap = hdr_len + plen + gst_e2ee_sframe_cipher_overhead (self->cipher, ctr);
  out = gst_buffer_new_allocate (NULL, cap, NULL);
  gst_buffer_map (out, &map, GST_MAP_WRITE);
  gst_buffer_extract (in, 0, map.data, hdr_len);
  map.data[0] &= ~0x20; /* padding is not carried over */
  n = gst_e2ee_sframe_cipher_encrypt (self->cipher, ctr, meta, mlen,
      gst_rtp_buffer_get_payload (&rtp), plen, map.data + hdr_len,
      cap - hdr_len);
  gst_buffer_unmap (out, &map);
  gst_rtp_buffer_unmap (&rtp);
  if (n < 0) {
    gst_buffer_unref (out);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (n));
    return NULL;
  }
  gst_buffer_set_size (out, hdr_len + n);
  return out;
}

/* Frames as packets: into a packet buffer when the output fits one, else
 * in place when writable, else copied. */
static GstBuffer *
encrypt_frame (GstE2eeEnc *self, GstBuffer *in, gsize in_size,
    gboolean writable, guint64 ctr)
{
  GstMapInfo imap, omap;
  GstBuffer *out;
  gsize cap;
  gssize n;

  if (in_size > 0 && fits_packet (self, in_size, ctr)) {
    if (!gst_buffer_map (in, &imap, GST_MAP_READ))
      return NULL;
    out = seal_packet (self, NULL, NULL, 0, imap.data, imap.size, NULL, 0, ctr);
    gst_buffer_unmap (in, &imap);
    return out;
  }
  if (writable && in_size > 0) {
    if (!encrypt_inplace (self, in, 0, in_size, NULL, 0, ctr))
      return NULL;
    return in;
  }
  if (!gst_buffer_map (in, &imap, GST_MAP_READ))
    return NULL;
  cap = imap.size + gst_e2ee_sframe_cipher_overhead (self->cipher, ctr);
  out = gst_buffer_new_allocate (NULL, cap, NULL);
  gst_buffer_map (out, &omap, GST_MAP_WRITE);
  n = gst_e2ee_sframe_cipher_encrypt (
      self->cipher, ctr, NULL, 0, imap.data, imap.size, omap.data, cap);
  gst_buffer_unmap (out, &omap);
  gst_buffer_unmap (in, &imap);
  if (n < 0) {
    gst_buffer_unref (out);
    GST_WARNING_OBJECT (
        self, "encryption failed: %s", gst_e2ee_sframe_result_to_string (n));
    return NULL;
  }
  gst_buffer_set_size (out, n);
  return out;
}

/* Encrypts one buffer (borrowed); in place when writable (in is ours
 * alone), and then *out is in itself, without a reference of its own.
 * *out is NULL when the buffer is dropped. */
static GstFlowReturn
encrypt_one (GstE2eeEnc *self, GstBuffer *in, GstBuffer **out)
{
  gboolean writable = gst_buffer_is_writable (in);
  gsize in_size = gst_buffer_get_size (in);
  guint64 ctr, kid;

  GST_LOG_OBJECT (self, "%" GST_PTR_FORMAT ", %s", in,
      writable ? "in place" : "copying (not writable)");

  *out = NULL;
  if (!ensure_cipher (self))
    return GST_FLOW_ERROR;
  if (G_UNLIKELY (self->caps_suite && self->cur_suite != self->caps_suite))
    update_caps_suite (self);
  if (!self->cipher) {
    guint64 total;
    GST_OBJECT_LOCK (self);
    total = ++self->dropped_no_key;
    GST_OBJECT_UNLOCK (self);
    GST_LOG_OBJECT (self, "no send key yet, dropping");
    e2ee_post_drop (GST_ELEMENT (self), &self->no_key_report, GST_SECOND,
        "no-key", FALSE, 0, NULL, FALSE, 0, total);
    return GST_FLOW_OK;
  }
  if (!next_counter (self, &ctr))
    return GST_FLOW_ERROR;

  *out = self->rtp_mode ? encrypt_rtp (self, in, in_size, writable, ctr)
                        : encrypt_frame (self, in, in_size, writable, ctr);
  if (!*out) {
    GST_OBJECT_LOCK (self);
    self->dropped_invalid++;
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "dropping a buffer that is not valid %s",
        self->rtp_mode ? "RTP" : "input");
    return GST_FLOW_OK;
  }
  if (*out != in)
    e2ee_copy_metadata (*out, in);
  kid = gst_e2ee_sframe_cipher_get_kid (self->cipher);
  account (self, kid, ctr, in_size, gst_buffer_get_size (*out));
  return GST_FLOW_OK;
}

GstFlowReturn
gst_e2ee_enc_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstE2eeEnc *self = GST_E2EE_ENC (parent);
  GstBuffer *out;
  GstFlowReturn ret = encrypt_one (self, buf, &out);

  if (out != buf)
    gst_buffer_unref (buf);
  if (ret != GST_FLOW_OK || !out)
    return ret;
  return gst_pad_push (self->srcpad, out);
}

GstFlowReturn
gst_e2ee_enc_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstE2eeEnc *self = GST_E2EE_ENC (parent);
  guint n = gst_buffer_list_length (list);
  GstBufferList *outl = gst_buffer_list_new_sized (n);
  GstFlowReturn ret = GST_FLOW_OK;

  /* a shared list shares its buffers: a copy of the list makes them read
   * only, so that they are encrypted into new buffers */
  list = gst_buffer_list_make_writable (list);
  for (guint i = 0; i < n && ret == GST_FLOW_OK; i++) {
    GstBuffer *out;
    GstBuffer *in = gst_buffer_list_get (list, i);
    ret = encrypt_one (self, in, &out);
    if (out)
      gst_buffer_list_add (outl, out == in ? gst_buffer_ref (out) : out);
  }
  gst_buffer_list_unref (list);
  if (ret != GST_FLOW_OK || gst_buffer_list_length (outl) == 0) {
    gst_buffer_list_unref (outl);
    return ret;
  }
  return gst_pad_push_list (self->srcpad, outl);
}
