/* e2eedec's streaming path: each buffer is parsed, its KID looked up,
 * the SFrame opened and the result committed; buffers whose key is not
 * known yet are held; drops are counted, reported and, when nothing
 * decrypts, turned into a WARNING.  The state that needs no GStreamer is
 * in sframe-receiver.c.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>

#include "gste2eedec-priv.h"

#define GST_CAT_DEFAULT gst_e2ee_dec_debug

/* Now on the element's clock (the pipeline's; a GstTestClock under
 * GstHarness), or the monotonic clock before it has one. */
static GstClockTime
clock_now (GstE2eeDec *self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now;

  if (!clock)
    return g_get_monotonic_time () * GST_USECOND;
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  return now;
}

void
gst_e2ee_dec_kid_state_free (KidState *st)
{
  g_clear_pointer (&st->cipher, gst_e2ee_sframe_cipher_free);
  g_clear_pointer (&st->key, gst_e2ee_key_unref);
  g_free (st->sender);
  sframe_replay_clear (&st->entry.replay);
  g_free (st);
}

static const gchar *const drop_reason_names[N_DROP_REASONS] = { "auth-failed",
  "replay", "unknown-kid", "malformed" };

/* What a user reads in the WARNING when a reason is all a stream gives. */
static const gchar *const drop_reason_hints[N_DROP_REASONS] = {
  ("authentication failed: wrong key, another cipher-suite or "
   "rtp-auth-fields than the sender's, or tampering"),
  "every frame was a replay of one already received",
  "no key for the frames' KID",
  "the input is not SFrame (is the sender encrypting?)",
};

/* The state a KID gets if its frame authenticates (kept in
 * self->candidate, so repeated frames of one KID derive once). NULL when no
 * key is known for the KID.  Per-KID state enters the table only after
 * authentication: a forged KID can neither fill the table nor evict the
 * replay window of a real one. */
/* Tells keyring keys of one KID apart (a keyed hash of the key material,
 * nothing to learn the key from): the replay window of a key that was
 * removed comes back only with the same key. */
static guint64
key_tag (GstE2eeDec *self, const guint8 *base, gsize len)
{
  guint8 h[crypto_generichash_BYTES_MIN];
  guint64 tag;

  crypto_generichash (
      h, sizeof (h), base, len, self->tag_key, sizeof (self->tag_key));
  memcpy (&tag, h, sizeof (tag));
  sodium_memzero (h, sizeof (h));
  return tag;
}

static KidState *
candidate_for (GstE2eeDec *self, guint64 kid)
{
  KidState *c = self->candidate;

  if (c && c->entry.kid == kid)
    return c;
  g_clear_pointer (&self->candidate, gst_e2ee_dec_kid_state_free);
  c = g_new0 (KidState, 1);
  /* static mode: one key (a new one resets the tables) */
  sframe_kid_table_prepare (self->table, &c->entry, kid, 0);
  if (self->static_mode) {
    /* bounds the key derivations that unknown KIDs can trigger (each
     * costs an HKDF and guarded allocations) */
    if ((self->cur_kid == ANY_KID || self->cur_kid == kid) &&
        sframe_token_bucket_take (
            &self->derive_bucket, g_get_monotonic_time ()))
      c->cipher = gst_e2ee_sframe_cipher_new (self->cur_suite,
          GST_E2EE_SFRAME_BACKEND_AUTO, kid, self->cur_key, self->cur_key_len);
  } else if (self->cur_keyring) {
    GstE2eeKey *key =
        gst_e2ee_keyring_lookup (self->cur_keyring, kid, GST_E2EE_KEY_RECEIVE);
    if (key) {
      gsize len;
      const guint8 *base = gst_e2ee_key_get_base_key (key, &len);
      /* the floor of a removed key applies to the same key only */
      sframe_kid_table_prepare (
          self->table, &c->entry, kid, key_tag (self, base, len));
      c->cipher = gst_e2ee_sframe_cipher_new (
          self->cur_suite, GST_E2EE_SFRAME_BACKEND_AUTO, kid, base, len);
      c->key = key;
      c->sender = g_strdup (gst_e2ee_key_get_sender (key));
    }
  }
  if (!c->cipher) {
    gst_e2ee_dec_kid_state_free (c);
    return NULL;
  }
  self->candidate = c;
  return c;
}

static gboolean
key_gone (gpointer kid, gpointer value, gpointer self)
{
  KidState *st = value;

  if (!st->key || gst_e2ee_key_is_valid (st->key))
    return FALSE;
  GST_DEBUG_OBJECT (
      self, "key of KID %" G_GUINT64_FORMAT " is gone", st->entry.kid);
  return TRUE;
}

/* Keyring changed: forget the states of keys that were removed or expired,
 * but not where their replay windows stood: keyexchange never reuses a
 * KID, but the keyring takes a KID again once it was removed, and the same
 * key under the same KID would decrypt its old frames again (found by
 * fuzz-e2eedec: retire, add again, replay). */
static void
revalidate (GstE2eeDec *self)
{
  if (self->candidate && self->candidate->key &&
      !gst_e2ee_key_is_valid (self->candidate->key))
    g_clear_pointer (&self->candidate, gst_e2ee_dec_kid_state_free);
  GST_OBJECT_LOCK (self);
  for (guint i = 0; i < N_SUITE_TABLES; i++)
    if (self->tables[i])
      sframe_kid_table_retire_if (self->tables[i], key_gone, self);
  GST_OBJECT_UNLOCK (self);
}

/* The WARNING of a run of drops, when it has lasted (or at EOS). */
static void
warn_failing (GstE2eeDec *self, GstClockTime now)
{
  SFrameFailRun *f = &self->fail;
  DropReason top = sframe_fail_run_top_reason (f);
  gchar kid[40] = "";
  guint64 ms = now > f->since ? (now - f->since) / GST_MSECOND : 0;

  if (f->have_kid)
    g_snprintf (kid, sizeof (kid), ", KID %" G_GUINT64_FORMAT, f->kid);
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_WARNING,
      GST_STREAM_ERROR,
      top == DROP_UNKNOWN_KID ? GST_STREAM_ERROR_DECRYPT_NOKEY
                              : GST_STREAM_ERROR_DECRYPT,
      g_strdup_printf ("Nothing decrypted: %" G_GUINT64_FORMAT
                       " frames dropped in %" G_GUINT64_FORMAT " ms: %s (%s%s)",
          f->count, ms, drop_reason_hints[top], drop_reason_names[top], kid),
      g_strdup_printf ("reason=%s dropped=%" G_GUINT64_FORMAT,
          drop_reason_names[top], f->count),
      __FILE__, GST_FUNCTION, __LINE__);
}

/* Counts a drop and reports it, rate limited per KID and reason for KIDs
 * that authenticated before, and per reason for all others. */
static void
drop (GstE2eeDec *self, DropReason reason, KidState *st, gboolean have_kid,
    guint64 kid, const gchar *sender, gboolean have_ssrc, guint32 ssrc)
{
  guint64 total;
  E2eeDropReport *report;
  GstClockTime now;

  GST_OBJECT_LOCK (self);
  total = ++self->drops[reason];
  if (st)
    st->drops[reason]++;
  GST_OBJECT_UNLOCK (self);
  report = st ? &st->reports[reason] : &self->untracked_reports[reason];
  GST_LOG_OBJECT (self, "drop: %s", drop_reason_names[reason]);
  e2ee_post_drop (GST_ELEMENT (self), report, self->cur_report_interval,
      drop_reason_names[reason], have_kid, kid, sender, have_ssrc, ssrc, total);
  now = clock_now (self);
  if (sframe_fail_run_add (
          &self->fail, reason, have_kid, kid, now, self->cur_warn_time))
    warn_failing (self, now);
}

typedef enum
{
  RESULT_OUT,
  RESULT_DROPPED,
  RESULT_NO_KEY,
} Result;

/* One input buffer, mapped and parsed. */
typedef struct
{
  GstRTPBuffer rtp;
  GstMapInfo map;
  gboolean mapped;
  gboolean inplace; /* ours alone and one block: decrypted where it is */
  guint8 *sf; /* the SFrame: header, ciphertext, tag */
  gsize sf_len;
  gsize hdr_len; /* RTP header before it (0 in frame mode) */
  gint hlen; /* SFrame header length, < 0: not an SFrame */
  guint64 kid, ctr;
  gboolean have_ssrc;
  guint32 ssrc;
  guint8 meta[E2EE_RTP_METADATA_MAX];
  gsize mlen;
} Frame;

/* Parse: maps in and reads the SFrame header (and the RTP metadata).
 * FALSE when nothing could be mapped (not RTP). */
static gboolean
frame_parse (GstE2eeDec *self, GstBuffer *in, gboolean for_write, Frame *f)
{
  GstMapFlags flags;

  f->inplace =
      for_write && gst_buffer_is_writable (in) && gst_buffer_n_memory (in) == 1;
  flags = f->inplace ? GST_MAP_READWRITE : GST_MAP_READ;
  f->hlen = -1;
  f->have_ssrc = FALSE;
  f->hdr_len = 0;
  f->mlen = 0;
  if (self->rtp_mode) {
    memset (&f->rtp, 0, sizeof (f->rtp));
    f->mapped = gst_rtp_buffer_map (in, flags, &f->rtp);
    if (!f->mapped)
      return FALSE;
    f->sf = gst_rtp_buffer_get_payload (&f->rtp);
    f->sf_len = gst_rtp_buffer_get_payload_len (&f->rtp);
    f->hdr_len = gst_rtp_buffer_get_header_len (&f->rtp);
    f->ssrc = gst_rtp_buffer_get_ssrc (&f->rtp);
    f->have_ssrc = TRUE;
    if (for_write)
      f->mlen = e2ee_rtp_metadata (&f->rtp, self->cur_auth_fields, f->meta);
  } else {
    f->mapped = gst_buffer_map (in, &f->map, flags);
    if (!f->mapped)
      return FALSE;
    f->sf = f->map.data;
    f->sf_len = f->map.size;
  }
  f->hlen = gst_e2ee_sframe_header_decode (f->sf, f->sf_len, &f->kid, &f->ctr);
  if (f->hlen < 0)
    GST_DEBUG_OBJECT (
        self, "not an SFrame: %s", gst_e2ee_sframe_result_to_string (f->hlen));
  return f->hlen >= 0;
}

static void
frame_unmap (GstE2eeDec *self, GstBuffer *in, Frame *f)
{
  if (!f->mapped)
    return;
  if (self->rtp_mode)
    gst_rtp_buffer_unmap (&f->rtp);
  else
    gst_buffer_unmap (in, &f->map);
  f->mapped = FALSE;
}

/* Open: authenticates and decrypts into in itself (f->inplace) or into a
 * new buffer *out, the clear RTP header (padding bit cleared) right before
 * the plaintext.  The plaintext length, or < 0 (nothing in *out). */
static gssize
frame_open (KidState *st, Frame *f, GstBuffer *in, GstBuffer **out)
{
  GstMapInfo omap;
  guint8 *dst;
  gssize n;

  if (f->inplace) {
    dst = f->sf + f->hlen;
  } else {
    *out = gst_buffer_new_allocate (NULL, f->hdr_len + f->sf_len, NULL);
    gst_buffer_map (*out, &omap, GST_MAP_WRITE);
    dst = omap.data + f->hdr_len;
  }
  n = gst_e2ee_sframe_cipher_decrypt (st->cipher, f->sf, f->sf_len, f->hlen,
      f->ctr, f->meta, f->mlen, dst,
      f->sf_len - MIN ((gsize)f->hlen, f->sf_len));
  if (n >= 0 && f->hdr_len) {
    guint8 *h = dst - f->hdr_len;
    if (f->inplace)
      memmove (h, f->sf - f->hdr_len, f->hdr_len);
    else
      gst_buffer_extract (in, 0, h, f->hdr_len);
    h[0] &= ~0x20;
  }
  if (!f->inplace)
    gst_buffer_unmap (*out, &omap);
  if (n < 0)
    gst_clear_buffer (out);
  return n;
}

/* Commit: the KID's state enters the table (first success) and its
 * replay window takes the counter; the output gets its final size. */
static Result
frame_commit (GstE2eeDec *self, KidState *st, gboolean fresh, Frame *f,
    GstBuffer *in, gsize n, GstBuffer **out)
{
  if (fresh) {
    gboolean ok;
    self->candidate = NULL;
    GST_OBJECT_LOCK (self);
    ok = sframe_kid_table_insert (self->table, &st->entry);
    GST_OBJECT_UNLOCK (self);
    if (!ok) {
      /* no room to track its replay window: refuse rather than forget */
      GST_WARNING_OBJECT (
          self, "too many KIDs, refusing KID %" G_GUINT64_FORMAT, f->kid);
      gst_e2ee_dec_kid_state_free (st);
      gst_clear_buffer (out);
      drop (self, DROP_UNKNOWN_KID, NULL, TRUE, f->kid, NULL, f->have_ssrc,
          f->ssrc);
      return RESULT_DROPPED;
    }
  } else {
    sframe_kid_table_touch (self->table, &st->entry);
  }
  sframe_replay_commit (&st->entry.replay, f->ctr);
  if (f->inplace) {
    gst_buffer_resize (in, f->hlen, f->hdr_len + n);
    *out = gst_buffer_ref (in);
  } else {
    gst_buffer_set_size (*out, f->hdr_len + n);
    e2ee_copy_metadata (*out, in);
  }
  if (G_UNLIKELY (self->fail.active)) {
    guint64 dropped = self->fail.count;
    if (sframe_fail_run_end (&self->fail))
      GST_ELEMENT_INFO (self, STREAM, DECRYPT,
          ("Decrypting again after %" G_GUINT64_FORMAT " dropped frames",
              dropped),
          (NULL));
  }

  STAT_ADD (self->packets, 1);
  STAT_ADD (self->bytes_in, f->hdr_len + f->sf_len);
  STAT_ADD (self->bytes_out, f->hdr_len + n);
  STAT_ADD (st->packets, 1);
  STAT_ADD (st->bytes, n);
  return RESULT_OUT;
}

/* Decrypts one buffer into *out: parse, look up, open, commit.
 * RESULT_NO_KEY (keyring mode) leaves the decision (hold or drop) to the
 * caller and counts nothing. */
static Result
decrypt_one (GstE2eeDec *self, GstBuffer *in, GstBuffer **out)
{
  Frame f;
  KidState *st = NULL;
  gboolean fresh = FALSE;
  DropReason why = DROP_MALFORMED;
  gssize n = -1;

  *out = NULL;
  if (frame_parse (self, in, TRUE, &f)) {
    st = (KidState *)sframe_kid_table_lookup (self->table, f.kid);
    if (!st) {
      st = candidate_for (self, f.kid);
      fresh = st != NULL;
    }
    if (!st) {
      why = DROP_UNKNOWN_KID;
    } else if (!sframe_replay_check (&st->entry.replay, f.ctr)) {
      GST_DEBUG_OBJECT (self,
          "replay: KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT, f.kid,
          f.ctr);
      why = DROP_REPLAY;
    } else {
      why = DROP_AUTH;
      n = frame_open (st, &f, in, out);
      if (n < 0)
        GST_DEBUG_OBJECT (self,
            "KID %" G_GUINT64_FORMAT " CTR %" G_GUINT64_FORMAT ": %s", f.kid,
            f.ctr, gst_e2ee_sframe_result_to_string (n));
    }
  }
  frame_unmap (self, in, &f);

  if (n >= 0)
    return frame_commit (self, st, fresh, &f, in, n, out);
  if (why == DROP_UNKNOWN_KID && !self->static_mode)
    return RESULT_NO_KEY;
  if (why == DROP_MALFORMED)
    drop (self, why, NULL, FALSE, 0, NULL, f.have_ssrc, f.ssrc);
  else
    drop (self, why, fresh ? NULL : st, TRUE, f.kid, st ? st->sender : NULL,
        f.have_ssrc, f.ssrc);
  return RESULT_DROPPED;
}

/* Drops a buffer whose key never came, reporting its KID and SSRC. */
static void
drop_unknown (GstE2eeDec *self, GstBuffer *buf)
{
  Frame f;
  gboolean have_kid = frame_parse (self, buf, FALSE, &f);

  frame_unmap (self, buf, &f);
  drop (self, DROP_UNKNOWN_KID,
      have_kid ? (KidState *)sframe_kid_table_lookup (self->table, f.kid)
               : NULL,
      have_kid, f.kid, NULL, f.have_ssrc, f.ssrc);
}

static void
expire_held (gpointer buf, gpointer self)
{
  drop_unknown (self, buf);
  gst_buffer_unref (buf);
}

static void
hold (GstE2eeDec *self, GstBuffer *in)
{
  if (!sframe_hold_queue_push (&self->held, in, gst_buffer_get_size (in),
          clock_now (self), expire_held, self)) {
    drop_unknown (self, in);
    return;
  }
  gst_buffer_ref (in);
  GST_DEBUG_OBJECT (self, "holding a buffer until its key arrives (%u held)",
      sframe_hold_queue_length (&self->held));
}

typedef struct
{
  GstE2eeDec *self;
  GstBufferList *outl;
} Retry;

static gboolean
retry_held (gpointer buf, gpointer size, gpointer data)
{
  Retry *r = data;
  GstBuffer *out;

  switch (decrypt_one (r->self, buf, &out)) {
    case RESULT_NO_KEY:
      return FALSE;
    case RESULT_OUT:
      gst_buffer_list_add (r->outl, out);
      break;
    case RESULT_DROPPED:
      break;
  }
  gst_buffer_unref (buf);
  return TRUE;
}

static void
expire_retried (gpointer buf, gpointer data)
{
  expire_held (buf, ((Retry *)data)->self);
}

/* Retries held buffers whose key may have arrived, drops the expired ones
 * (all that have no key when final); outputs go to outl in order. */
static void
process_held (GstE2eeDec *self, GstBufferList *outl, gboolean final)
{
  Retry r = { self, outl };

  sframe_hold_queue_process (
      &self->held, clock_now (self), final, retry_held, expire_retried, &r);
}

static void
process (GstE2eeDec *self, GstBuffer *in, GstBufferList *outl)
{
  GstBuffer *out;

  gst_e2ee_dec_sync_config (self);
  if (self->cur_keyring) {
    guint gen = gst_e2ee_keyring_get_generation (self->cur_keyring);
    if (gen != self->keyring_gen) {
      self->keyring_gen = gen;
      revalidate (self);
      if (sframe_hold_queue_length (&self->held))
        process_held (self, outl, FALSE);
    }
  }
  /* (the clock is read only when something is held) */
  if (sframe_hold_queue_length (&self->held) &&
      sframe_hold_queue_head_expired (&self->held, clock_now (self)))
    process_held (self, outl, FALSE);

  switch (decrypt_one (self, in, &out)) {
    case RESULT_OUT:
      gst_buffer_list_add (outl, out);
      break;
    case RESULT_NO_KEY:
      hold (self, in);
      break;
    case RESULT_DROPPED:
      break;
  }
}

static GstFlowReturn
push_outputs (GstE2eeDec *self, GstBufferList *outl)
{
  guint n = gst_buffer_list_length (outl);

  if (n == 0) {
    gst_buffer_list_unref (outl);
    return GST_FLOW_OK;
  }
  if (n == 1) {
    GstBuffer *b = gst_buffer_ref (gst_buffer_list_get (outl, 0));
    gst_buffer_list_unref (outl);
    return gst_pad_push (self->srcpad, b);
  }
  return gst_pad_push_list (self->srcpad, outl);
}

/* Held buffers get a last try (their key may have come), then are
 * dropped: at EOS, and before caps change the meaning of the stream. */
void
gst_e2ee_dec_flush_held (GstE2eeDec *self)
{
  GstBufferList *outl = gst_buffer_list_new ();

  gst_e2ee_dec_sync_config (self);
  if (self->cur_keyring)
    revalidate (self);
  process_held (self, outl, TRUE);
  push_outputs (self, outl);
}

GstFlowReturn
gst_e2ee_dec_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);
  GstBufferList *outl;
  GstBuffer *out;

  /* fast path: nothing held and the keyring unchanged */
  gst_e2ee_dec_sync_config (self);
  if (sframe_hold_queue_length (&self->held) == 0 &&
      (!self->cur_keyring ||
          gst_e2ee_keyring_get_generation (self->cur_keyring) ==
              self->keyring_gen)) {
    switch (decrypt_one (self, buf, &out)) {
      case RESULT_OUT:
        gst_buffer_unref (buf);
        return gst_pad_push (self->srcpad, out);
      case RESULT_NO_KEY:
        hold (self, buf);
        break;
      case RESULT_DROPPED:
        break;
    }
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }

  outl = gst_buffer_list_new_sized (1);
  process (self, buf, outl);
  gst_buffer_unref (buf);
  return push_outputs (self, outl);
}

GstFlowReturn
gst_e2ee_dec_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstE2eeDec *self = GST_E2EE_DEC (parent);
  guint n = gst_buffer_list_length (list);
  GstBufferList *outl = gst_buffer_list_new_sized (n);

  /* a shared list shares its buffers: never decrypt those in place */
  list = gst_buffer_list_make_writable (list);
  for (guint i = 0; i < n; i++)
    process (self, gst_buffer_list_get (list, i), outl);
  gst_buffer_list_unref (list);
  return push_outputs (self, outl);
}

void
gst_e2ee_dec_warn_at_eos (GstE2eeDec *self)
{
  /* however short it was */
  if (self->fail.active && !self->fail.warned && self->packets == 0) {
    self->fail.warned = TRUE;
    warn_failing (self, clock_now (self));
  }
}
