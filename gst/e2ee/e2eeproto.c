/* gst-e2ee/1 key-exchange protocol codec (docs/protocol.md, part 1).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "e2eeproto.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <sodium.h>

#include "sframe.h"

#define ERR(error, ...)                                                        \
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, __VA_ARGS__)

static const gchar *const contexts[] = {
  NULL,
  "gst-e2ee/1 announce",
  "gst-e2ee/1 ack",
  "gst-e2ee/1 keys",
  "gst-e2ee/1 roster",
  "gst-e2ee/1 heartbeat",
  "gst-e2ee/1 leave",
};

const gchar *
gst_e2ee_msg_type_name (GstE2eeMsgType type)
{
  static const gchar *const names[] = { "unknown", "ANNOUNCE", "ACK", "KEYS",
    "ROSTER", "HEARTBEAT", "LEAVE" };
  if (type < 1 || type > GST_E2EE_MSG_LEAVE)
    return names[0];
  return names[type];
}

/* ------------------------------------------------------------- writer */

static void
put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put_u16 (GByteArray *b, guint16 v)
{
  guint8 x[2] = { v >> 8, v & 0xff };
  g_byte_array_append (b, x, 2);
}

static void
put_u64 (GByteArray *b, guint64 v)
{
  guint8 x[8];
  for (guint i = 0; i < 8; i++)
    x[i] = (guint8)(v >> (56 - 8 * i));
  g_byte_array_append (b, x, 8);
}

static void
put_bytes (GByteArray *b, const guint8 *p, gsize n)
{
  g_byte_array_append (b, p, n);
}

static void
put_vec16 (GByteArray *b, const guint8 *p, gsize n)
{
  put_u16 (b, (guint16)n);
  if (n)
    g_byte_array_append (b, p, n);
}

static void
put_str16 (GByteArray *b, const gchar *s)
{
  put_vec16 (b, (const guint8 *)(s ? s : ""), s ? strlen (s) : 0);
}

/* ------------------------------------------------------------- reader */

typedef struct
{
  const guint8 *p;
  gsize len;
  gsize pos;
  GError **error;
  gboolean failed;
} Reader;

static gboolean
need (Reader *r, gsize n, const gchar *what)
{
  if (r->failed)
    return FALSE;
  if (r->len - r->pos < n) {
    ERR (r->error,
        "truncated message: %s needs %" G_GSIZE_FORMAT
        " bytes at offset %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT " left",
        what, n, r->pos, r->len - r->pos);
    r->failed = TRUE;
    return FALSE;
  }
  return TRUE;
}

static guint8
get_u8 (Reader *r, const gchar *what)
{
  if (!need (r, 1, what))
    return 0;
  return r->p[r->pos++];
}

static guint16
get_u16 (Reader *r, const gchar *what)
{
  guint16 v;
  if (!need (r, 2, what))
    return 0;
  v = (guint16)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
  r->pos += 2;
  return v;
}

static guint64
get_u64 (Reader *r, const gchar *what)
{
  guint64 v = 0;
  if (!need (r, 8, what))
    return 0;
  for (guint i = 0; i < 8; i++)
    v = v << 8 | r->p[r->pos + i];
  r->pos += 8;
  return v;
}

static void
get_bytes (Reader *r, guint8 *out, gsize n, const gchar *what)
{
  if (!need (r, n, what)) {
    memset (out, 0, n);
    return;
  }
  memcpy (out, r->p + r->pos, n);
  r->pos += n;
}

static const guint8 *
get_vec16 (Reader *r, gsize min, gsize max, gsize *len, const gchar *what)
{
  guint16 n = get_u16 (r, what);
  const guint8 *p;

  if (r->failed)
    return NULL;
  if (n < min || n > max) {
    ERR (r->error,
        "%s has %u bytes, allowed %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT, what,
        n, min, max);
    r->failed = TRUE;
    return NULL;
  }
  if (!need (r, n, what))
    return NULL;
  p = r->p + r->pos;
  r->pos += n;
  *len = n;
  return p;
}

static gboolean
valid_str (const guint8 *p, gsize n)
{
  return memchr (p, 0, n) == NULL &&
      g_utf8_validate ((const gchar *)p, n, NULL);
}

static gchar *
get_str16 (Reader *r, gsize min, gsize max, const gchar *what)
{
  gsize n = 0;
  const guint8 *p = get_vec16 (r, min, max, &n, what);

  if (!p)
    return NULL;
  if (!valid_str (p, n)) {
    ERR (r->error, "%s is not UTF-8 text", what);
    r->failed = TRUE;
    return NULL;
  }
  return g_strndup ((const gchar *)p, n);
}

/* -------------------------------------------------------------- messages */

GstE2eeMsg *
gst_e2ee_msg_new (GstE2eeMsgType type, const gchar *meeting_id,
    GBytes *instance, const gchar *sender_id)
{
  GstE2eeMsg *m = g_new0 (GstE2eeMsg, 1);

  m->type = type;
  m->meeting_id = g_strdup (meeting_id);
  m->instance = instance ? g_bytes_ref (instance) : NULL;
  m->sender_id = g_strdup (sender_id);
  return m;
}

static void
box_free (GstE2eeKeyBox *b)
{
  g_free (b->recipient_id);
  g_free (b);
}

static void
entry_free (GstE2eeRosterEntry *e)
{
  g_free (e->participant_id);
  g_free (e->display_name);
  g_free (e);
}

void
gst_e2ee_msg_free (GstE2eeMsg *m)
{
  if (!m)
    return;
  g_free (m->meeting_id);
  if (m->instance)
    g_bytes_unref (m->instance);
  g_free (m->sender_id);
  g_free (m->display_name);
  if (m->boxes)
    g_ptr_array_unref (m->boxes);
  if (m->entries)
    g_ptr_array_unref (m->entries);
  g_free (m);
}

void
gst_e2ee_msg_add_box (GstE2eeMsg *m, const GstE2eeKeyBox *box)
{
  GstE2eeKeyBox *b = g_memdup2 (box, sizeof (*box));

  b->recipient_id = g_strdup (box->recipient_id);
  if (!m->boxes)
    m->boxes = g_ptr_array_new_with_free_func ((GDestroyNotify)box_free);
  g_ptr_array_add (m->boxes, b);
}

void
gst_e2ee_msg_add_entry (GstE2eeMsg *m, guint16 index,
    const gchar *participant_id, const guint8 identity_key[GST_E2EE_KEY_LEN],
    const guint8 dh_key[GST_E2EE_KEY_LEN], const gchar *display_name)
{
  GstE2eeRosterEntry *e = g_new0 (GstE2eeRosterEntry, 1);

  e->index = index;
  e->participant_id = g_strdup (participant_id);
  memcpy (e->identity_key, identity_key, GST_E2EE_KEY_LEN);
  memcpy (e->dh_key, dh_key, GST_E2EE_KEY_LEN);
  e->display_name = g_strdup (display_name);
  if (!m->entries)
    m->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
  g_ptr_array_add (m->entries, e);
}

static gboolean
check_str (
    const gchar *s, gsize min, gsize max, const gchar *what, GError **error)
{
  gsize n = s ? strlen (s) : 0;

  if (n < min || n > max || (n && !g_utf8_validate (s, n, NULL))) {
    ERR (error,
        "%s must be %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
        " bytes of UTF-8, got %" G_GSIZE_FORMAT,
        what, min, max, n);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_header (const GstE2eeMsg *m, GError **error)
{
  gsize ilen = m->instance ? g_bytes_get_size (m->instance) : 0;

  if (m->type < GST_E2EE_MSG_ANNOUNCE || m->type > GST_E2EE_MSG_LEAVE) {
    ERR (error, "unknown message type %d", m->type);
    return FALSE;
  }
  if (ilen < GST_E2EE_INSTANCE_MIN || ilen > GST_E2EE_INSTANCE_MAX) {
    ERR (error, "instance must be %d..%d bytes, got %" G_GSIZE_FORMAT,
        GST_E2EE_INSTANCE_MIN, GST_E2EE_INSTANCE_MAX, ilen);
    return FALSE;
  }
  return check_str (
             m->meeting_id, 1, GST_E2EE_MEETING_ID_MAX, "meeting id", error) &&
      check_str (m->sender_id, 1, GST_E2EE_ID_MAX, "sender id", error);
}

/* The header and body, without the signature. */
static GByteArray *
encode_unsigned (const GstE2eeMsg *m, GError **error)
{
  GByteArray *b;
  guint n;

  if (!check_header (m, error))
    return NULL;
  b = g_byte_array_sized_new (256);
  put_u8 (b, GST_E2EE_PROTO_VERSION);
  put_u8 (b, m->type);
  put_str16 (b, m->meeting_id);
  put_vec16 (
      b, g_bytes_get_data (m->instance, NULL), g_bytes_get_size (m->instance));
  put_str16 (b, m->sender_id);

  switch (m->type) {
    case GST_E2EE_MSG_ANNOUNCE:
      if (!check_str (
              m->display_name, 0, GST_E2EE_NAME_MAX, "display name", error))
        goto fail;
      put_bytes (b, m->identity_key, GST_E2EE_KEY_LEN);
      put_bytes (b, m->dh_key, GST_E2EE_KEY_LEN);
      put_str16 (b, m->display_name);
      put_bytes (b, m->nonce, GST_E2EE_NONCE_LEN);
      put_u64 (b, m->join_time_ms);
      break;
    case GST_E2EE_MSG_ACK:
      put_bytes (b, m->nonce, GST_E2EE_NONCE_LEN);
      put_u64 (b, m->acked_epoch);
      put_u64 (b, m->counter);
      break;
    case GST_E2EE_MSG_KEYS:
      n = m->boxes ? m->boxes->len : 0;
      if (n > GST_E2EE_MAX_ENTRIES) {
        ERR (error, "too many key boxes (%u)", n);
        goto fail;
      }
      put_u64 (b, m->epoch);
      put_u64 (b, m->roster_version);
      put_u16 (b, (guint16)n);
      for (guint i = 0; i < n; i++) {
        const GstE2eeKeyBox *k = g_ptr_array_index (m->boxes, i);
        if (!check_str (
                k->recipient_id, 1, GST_E2EE_ID_MAX, "recipient id", error))
          goto fail;
        put_str16 (b, k->recipient_id);
        put_bytes (b, k->recipient_nonce, GST_E2EE_NONCE_LEN);
        put_bytes (b, k->box_nonce, GST_E2EE_NONCE_LEN);
        put_vec16 (b, k->box, GST_E2EE_BOX_LEN);
      }
      break;
    case GST_E2EE_MSG_ROSTER:
      n = m->entries ? m->entries->len : 0;
      if (n > GST_E2EE_MAX_ENTRIES) {
        ERR (error, "too many roster entries (%u)", n);
        goto fail;
      }
      put_u64 (b, m->version);
      put_bytes (b, m->prev_hash, GST_E2EE_HASH_LEN);
      put_u8 (b, m->flags);
      put_u16 (b, (guint16)n);
      for (guint i = 0; i < n; i++) {
        const GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
        if (i > 0 &&
            ((GstE2eeRosterEntry *)g_ptr_array_index (m->entries, i - 1))
                    ->index >= e->index) {
          ERR (error,
              "roster entries must be sorted by index, without "
              "duplicates");
          goto fail;
        }
        if (!check_str (e->participant_id, 1, GST_E2EE_ID_MAX, "participant id",
                error) ||
            !check_str (
                e->display_name, 0, GST_E2EE_NAME_MAX, "display name", error))
          goto fail;
        put_u16 (b, e->index);
        put_str16 (b, e->participant_id);
        put_bytes (b, e->identity_key, GST_E2EE_KEY_LEN);
        put_bytes (b, e->dh_key, GST_E2EE_KEY_LEN);
        put_str16 (b, e->display_name);
      }
      break;
    case GST_E2EE_MSG_HEARTBEAT:
      put_u64 (b, m->counter);
      put_u64 (b, m->roster_version);
      put_bytes (b, m->roster_hash, GST_E2EE_HASH_LEN);
      put_u64 (b, m->epoch);
      put_u64 (b, m->send_epoch);
      put_bytes (b, m->prev_hash, GST_E2EE_HASH_LEN);
      put_u64 (b, m->leader_time_ms);
      break;
    case GST_E2EE_MSG_LEAVE:
      put_u8 (b, m->reason);
      break;
  }
  if (b->len + GST_E2EE_SIG_LEN > GST_E2EE_MSG_MAX) {
    ERR (error, "message of %u bytes is over the limit", b->len);
    goto fail;
  }
  return b;

fail:
  g_byte_array_unref (b);
  return NULL;
}

GBytes *
gst_e2ee_msg_encode (
    const GstE2eeMsg *m, const GstE2eeIdentity *id, GError **error)
{
  GByteArray *b, *input;
  guint8 sig[GST_E2EE_SIG_LEN];

  g_return_val_if_fail (m != NULL && id != NULL, NULL);
  gst_e2ee_sframe_init ();
  b = encode_unsigned (m, error);
  if (!b)
    return NULL;
  /* plain Ed25519 over str16(context) || header and body (not the
   * prehashed Ed25519ph), so any Ed25519 library can verify */
  input = g_byte_array_sized_new (b->len + 64);
  put_str16 (input, contexts[m->type]);
  g_byte_array_append (input, b->data, b->len);
  crypto_sign_detached (sig, NULL, input->data, input->len, id->sk);
  g_byte_array_unref (input);
  g_byte_array_append (b, sig, GST_E2EE_SIG_LEN);
  return g_byte_array_free_to_bytes (b);
}

gboolean
gst_e2ee_msg_verify (const GstE2eeMsg *m, const guint8 *data, gsize len,
    const guint8 identity_key[GST_E2EE_KEY_LEN])
{
  GByteArray *input;
  gboolean ok;

  if (!m || m->signed_len + GST_E2EE_SIG_LEN != len || m->type < 1 ||
      m->type > GST_E2EE_MSG_LEAVE)
    return FALSE;
  gst_e2ee_sframe_init ();
  input = g_byte_array_sized_new (len + 64);
  put_str16 (input, contexts[m->type]);
  g_byte_array_append (input, data, m->signed_len);
  ok = crypto_sign_verify_detached (
           data + m->signed_len, input->data, input->len, identity_key) == 0;
  g_byte_array_unref (input);
  return ok;
}

GstE2eeMsg *
gst_e2ee_msg_decode (const guint8 *data, gsize len, GError **error)
{
  Reader r = { data, len, 0, error, FALSE };
  GstE2eeMsg *m;
  guint8 version;
  gsize n = 0;
  const guint8 *inst;
  guint count;

  if (len > GST_E2EE_MSG_MAX) {
    ERR (error, "message of %" G_GSIZE_FORMAT " bytes is over the limit", len);
    return NULL;
  }
  version = get_u8 (&r, "version");
  if (r.failed)
    return NULL;
  if (version != GST_E2EE_PROTO_VERSION) {
    ERR (error, "unsupported protocol version %u", version);
    return NULL;
  }
  m = g_new0 (GstE2eeMsg, 1);
  m->type = get_u8 (&r, "type");
  if (!r.failed &&
      (m->type < GST_E2EE_MSG_ANNOUNCE || m->type > GST_E2EE_MSG_LEAVE)) {
    ERR (error, "unknown message type %u", m->type);
    goto fail;
  }
  m->meeting_id = get_str16 (&r, 1, GST_E2EE_MEETING_ID_MAX, "meeting id");
  inst = get_vec16 (
      &r, GST_E2EE_INSTANCE_MIN, GST_E2EE_INSTANCE_MAX, &n, "instance");
  if (inst)
    m->instance = g_bytes_new (inst, n);
  m->sender_id = get_str16 (&r, 1, GST_E2EE_ID_MAX, "sender id");
  if (r.failed)
    goto fail;

  switch (m->type) {
    case GST_E2EE_MSG_ANNOUNCE:
      get_bytes (&r, m->identity_key, GST_E2EE_KEY_LEN, "identity key");
      get_bytes (&r, m->dh_key, GST_E2EE_KEY_LEN, "dh key");
      m->display_name = get_str16 (&r, 0, GST_E2EE_NAME_MAX, "display name");
      get_bytes (&r, m->nonce, GST_E2EE_NONCE_LEN, "nonce");
      m->join_time_ms = get_u64 (&r, "join time");
      break;
    case GST_E2EE_MSG_ACK:
      get_bytes (&r, m->nonce, GST_E2EE_NONCE_LEN, "nonce");
      m->acked_epoch = get_u64 (&r, "acked epoch");
      m->counter = get_u64 (&r, "ack counter");
      break;
    case GST_E2EE_MSG_KEYS:
      m->epoch = get_u64 (&r, "epoch");
      m->roster_version = get_u64 (&r, "roster version");
      count = get_u16 (&r, "box count");
      m->boxes = g_ptr_array_new_with_free_func ((GDestroyNotify)box_free);
      for (guint i = 0; i < count && !r.failed; i++) {
        GstE2eeKeyBox *k = g_new0 (GstE2eeKeyBox, 1);
        const guint8 *bx;
        g_ptr_array_add (m->boxes, k);
        k->recipient_id = get_str16 (&r, 1, GST_E2EE_ID_MAX, "recipient id");
        get_bytes (
            &r, k->recipient_nonce, GST_E2EE_NONCE_LEN, "recipient nonce");
        get_bytes (&r, k->box_nonce, GST_E2EE_NONCE_LEN, "box nonce");
        bx = get_vec16 (&r, GST_E2EE_BOX_LEN, GST_E2EE_BOX_LEN, &n, "key box");
        if (bx)
          memcpy (k->box, bx, GST_E2EE_BOX_LEN);
      }
      break;
    case GST_E2EE_MSG_ROSTER:
      m->version = get_u64 (&r, "roster version");
      get_bytes (&r, m->prev_hash, GST_E2EE_HASH_LEN, "previous hash");
      m->flags = get_u8 (&r, "flags");
      count = get_u16 (&r, "entry count");
      m->entries = g_ptr_array_new_with_free_func ((GDestroyNotify)entry_free);
      for (guint i = 0; i < count && !r.failed; i++) {
        GstE2eeRosterEntry *e = g_new0 (GstE2eeRosterEntry, 1);
        g_ptr_array_add (m->entries, e);
        e->index = get_u16 (&r, "roster index");
        if (!r.failed && i > 0 &&
            ((GstE2eeRosterEntry *)g_ptr_array_index (m->entries, i - 1))
                    ->index >= e->index) {
          ERR (error, "roster entries not sorted by index");
          r.failed = TRUE;
          break;
        }
        e->participant_id =
            get_str16 (&r, 1, GST_E2EE_ID_MAX, "participant id");
        get_bytes (&r, e->identity_key, GST_E2EE_KEY_LEN, "identity key");
        get_bytes (&r, e->dh_key, GST_E2EE_KEY_LEN, "dh key");
        e->display_name = get_str16 (&r, 0, GST_E2EE_NAME_MAX, "display name");
      }
      break;
    case GST_E2EE_MSG_HEARTBEAT:
      m->counter = get_u64 (&r, "counter");
      m->roster_version = get_u64 (&r, "roster version");
      get_bytes (&r, m->roster_hash, GST_E2EE_HASH_LEN, "roster hash");
      m->epoch = get_u64 (&r, "epoch");
      m->send_epoch = get_u64 (&r, "send epoch");
      get_bytes (&r, m->prev_hash, GST_E2EE_HASH_LEN, "previous hash");
      m->leader_time_ms = get_u64 (&r, "leader time");
      break;
    case GST_E2EE_MSG_LEAVE:
      m->reason = get_u8 (&r, "reason");
      break;
  }
  if (r.failed)
    goto fail;
  m->signed_len = r.pos;
  get_bytes (&r, m->signature, GST_E2EE_SIG_LEN, "signature");
  if (r.failed)
    goto fail;
  if (r.pos != len) {
    ERR (error, "%" G_GSIZE_FORMAT " trailing bytes after the signature",
        len - r.pos);
    goto fail;
  }
  return m;

fail:
  gst_e2ee_msg_free (m);
  return NULL;
}

void
gst_e2ee_msg_hash (const guint8 *data, gsize len, guint8 out[GST_E2EE_HASH_LEN])
{
  gst_e2ee_sframe_init ();
  crypto_hash_sha256 (out, data, len);
}

/* ---------------------------------------------------------- identities */

static GstE2eeIdentity *
identity_alloc (void)
{
  GstE2eeIdentity *id = g_new0 (GstE2eeIdentity, 1);

  id->sk = sodium_malloc (crypto_sign_SECRETKEYBYTES);
  if (!id->sk) {
    g_free (id);
    return NULL;
  }
  return id;
}

GstE2eeIdentity *
gst_e2ee_identity_new (void)
{
  GstE2eeIdentity *id;

  if (!gst_e2ee_sframe_init ())
    return NULL;
  id = identity_alloc ();
  if (id)
    crypto_sign_keypair (id->pk, id->sk);
  return id;
}

void
gst_e2ee_identity_free (GstE2eeIdentity *id)
{
  if (!id)
    return;
  sodium_free (id->sk);
  g_free (id);
}

GstE2eeIdentity *
gst_e2ee_identity_load_or_create (const gchar *path, GError **error)
{
  GstE2eeIdentity *id;
  gchar *contents = NULL, hex[2 * crypto_sign_SECRETKEYBYTES + 2];
  gsize len;
  GStatBuf st;

  if (!gst_e2ee_sframe_init ())
    return NULL;
  if (g_stat (path, &st) != 0) {
    if (errno != ENOENT) {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
          "cannot read identity file %s: %s", path, g_strerror (errno));
      return NULL;
    }
    id = gst_e2ee_identity_new ();
    if (!id)
      return NULL;
    sodium_bin2hex (hex, sizeof (hex), id->sk, crypto_sign_SECRETKEYBYTES);
    hex[2 * crypto_sign_SECRETKEYBYTES] = '\n';
    if (!g_file_set_contents_full (path, hex,
            2 * crypto_sign_SECRETKEYBYTES + 1,
            G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
            error)) {
      sodium_memzero (hex, sizeof (hex));
      gst_e2ee_identity_free (id);
      return NULL;
    }
    sodium_memzero (hex, sizeof (hex));
    return id;
  }
  if ((st.st_mode & 077) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
        "identity file %s is accessible by others (mode %o): chmod 600 it",
        path, (guint)(st.st_mode & 0777));
    return NULL;
  }
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  id = identity_alloc ();
  if (!id) {
    sodium_memzero (contents, len);
    g_free (contents);
    return NULL;
  }
  if (len < 2 * crypto_sign_SECRETKEYBYTES ||
      (len > 2 * crypto_sign_SECRETKEYBYTES &&
          !(len == 2 * crypto_sign_SECRETKEYBYTES + 1 &&
              contents[len - 1] == '\n')) ||
      sodium_hex2bin (id->sk, crypto_sign_SECRETKEYBYTES, contents,
          2 * crypto_sign_SECRETKEYBYTES, NULL, NULL, NULL) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "identity file %s is not %d hex digits", path,
        2 * crypto_sign_SECRETKEYBYTES);
    sodium_memzero (contents, len);
    g_free (contents);
    gst_e2ee_identity_free (id);
    return NULL;
  }
  sodium_memzero (contents, len);
  g_free (contents);
  /* the second half must be the public key of the seed (first half):
   * else signatures would verify under no key we announce */
  {
    guint8 *check = sodium_malloc (crypto_sign_SECRETKEYBYTES);
    gboolean ok = check &&
        crypto_sign_seed_keypair (id->pk, check, id->sk) == 0 &&
        sodium_memcmp (check, id->sk, crypto_sign_SECRETKEYBYTES) == 0;
    if (check)
      sodium_free (check);
    if (!ok) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "identity file %s is inconsistent (public half does not match "
          "the seed)",
          path);
      gst_e2ee_identity_free (id);
      return NULL;
    }
  }
  return id;
}

gchar *
gst_e2ee_fingerprint (const guint8 pk[GST_E2EE_KEY_LEN])
{
  static const char ctx[] = "gst-e2ee/1 fingerprint";
  crypto_hash_sha256_state st;
  guint8 h[crypto_hash_sha256_BYTES];
  GString *s = g_string_sized_new (40);

  gst_e2ee_sframe_init ();
  crypto_hash_sha256_init (&st);
  crypto_hash_sha256_update (&st, (const guint8 *)ctx, sizeof (ctx) - 1);
  crypto_hash_sha256_update (&st, pk, GST_E2EE_KEY_LEN);
  crypto_hash_sha256_final (&st, h);
  for (guint i = 0; i < 16; i++) {
    if (i && i % 2 == 0)
      g_string_append_c (s, ' ');
    g_string_append_printf (s, "%02x", h[i]);
  }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------ keys and boxes */

GstE2eeDhKey *
gst_e2ee_dh_key_new (void)
{
  GstE2eeDhKey *k;

  if (!gst_e2ee_sframe_init ())
    return NULL;
  k = g_new0 (GstE2eeDhKey, 1);
  k->sk = sodium_malloc (crypto_box_SECRETKEYBYTES);
  if (!k->sk) {
    g_free (k);
    return NULL;
  }
  crypto_box_keypair (k->pk, k->sk);
  return k;
}

void
gst_e2ee_dh_key_free (GstE2eeDhKey *k)
{
  if (!k)
    return;
  sodium_free (k->sk);
  g_free (k);
}

/* HKDF-SHA256 (extract and expand) with OpenSSL. */
static gboolean
hkdf_sha256 (const guint8 *salt, gsize salt_len, const guint8 *ikm,
    gsize ikm_len, const guint8 *info, gsize info_len, guint8 *out,
    gsize out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
  OSSL_PARAM p[5];
  gboolean ok;

  EVP_KDF_free (kdf);
  if (!ctx)
    return FALSE;
  p[0] = OSSL_PARAM_construct_utf8_string (
      OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
  p[1] = OSSL_PARAM_construct_octet_string (
      OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
  p[2] = OSSL_PARAM_construct_octet_string (
      OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
  p[3] = OSSL_PARAM_construct_octet_string (
      OSSL_KDF_PARAM_INFO, (void *)info, info_len);
  p[4] = OSSL_PARAM_construct_end ();
  ok = EVP_KDF_derive (ctx, out, out_len, p) == 1;
  EVP_KDF_CTX_free (ctx);
  return ok;
}

/* box key from the X25519 shared secret of (sk, peer_pk); the info binds
 * leader then recipient public keys. */
static gboolean
box_key (const guint8 *sk, const guint8 *peer_pk, const guint8 *leader_pk,
    const guint8 *recipient_pk, GBytes *instance, guint8 key[32])
{
  static const char label[] = "gst-e2ee/1 keybox";
  guint8 shared[crypto_scalarmult_BYTES], info[sizeof (label) - 1 + 64];
  gboolean ok;

  if (crypto_scalarmult (shared, sk, peer_pk) != 0)
    return FALSE; /* low-order point */
  memcpy (info, label, sizeof (label) - 1);
  memcpy (info + sizeof (label) - 1, leader_pk, 32);
  memcpy (info + sizeof (label) - 1 + 32, recipient_pk, 32);
  ok = hkdf_sha256 (g_bytes_get_data (instance, NULL),
      g_bytes_get_size (instance), shared, sizeof (shared), info, sizeof (info),
      key, 32);
  sodium_memzero (shared, sizeof (shared));
  return ok;
}

static GByteArray *
box_ad (const gchar *meeting_id, GBytes *instance, const gchar *leader_id,
    const gchar *recipient_id, guint64 epoch, const guint8 *nonce)
{
  GByteArray *ad = g_byte_array_sized_new (256);

  put_str16 (ad, meeting_id);
  put_vec16 (
      ad, g_bytes_get_data (instance, NULL), g_bytes_get_size (instance));
  put_str16 (ad, leader_id);
  put_str16 (ad, recipient_id);
  put_u64 (ad, epoch);
  put_bytes (ad, nonce, GST_E2EE_NONCE_LEN);
  return ad;
}

gboolean
gst_e2ee_keybox_seal (const GstE2eeDhKey *leader,
    const guint8 recipient_pk[GST_E2EE_KEY_LEN], const gchar *meeting_id,
    GBytes *instance, const gchar *leader_id, const gchar *recipient_id,
    guint64 epoch, const guint8 recipient_nonce[GST_E2EE_NONCE_LEN],
    const guint8 mk[GST_E2EE_KEY_LEN], GstE2eeKeyBox *out)
{
  guint8 key[32];
  GByteArray *ad;
  gboolean ok;

  if (!gst_e2ee_sframe_init () ||
      !box_key (
          leader->sk, recipient_pk, leader->pk, recipient_pk, instance, key))
    return FALSE;
  memset (out, 0, sizeof (*out));
  out->recipient_id = (gchar *)recipient_id; /* borrowed; caller copies */
  memcpy (out->recipient_nonce, recipient_nonce, GST_E2EE_NONCE_LEN);
  randombytes_buf (out->box_nonce, GST_E2EE_NONCE_LEN);
  ad = box_ad (
      meeting_id, instance, leader_id, recipient_id, epoch, recipient_nonce);
  ok = crypto_aead_xchacha20poly1305_ietf_encrypt (out->box, NULL, mk,
           GST_E2EE_KEY_LEN, ad->data, ad->len, NULL, out->box_nonce, key) == 0;
  g_byte_array_unref (ad);
  sodium_memzero (key, sizeof (key));
  return ok;
}

gboolean
gst_e2ee_keybox_open (const GstE2eeDhKey *recipient,
    const guint8 leader_pk[GST_E2EE_KEY_LEN], const gchar *meeting_id,
    GBytes *instance, const gchar *leader_id, const gchar *recipient_id,
    guint64 epoch, const GstE2eeKeyBox *box, guint8 mk[GST_E2EE_KEY_LEN])
{
  guint8 key[32], tmp[GST_E2EE_KEY_LEN];
  GByteArray *ad;
  gboolean ok;

  if (!gst_e2ee_sframe_init () ||
      !box_key (
          recipient->sk, leader_pk, leader_pk, recipient->pk, instance, key))
    return FALSE;
  ad = box_ad (meeting_id, instance, leader_id, recipient_id, epoch,
      box->recipient_nonce);
  ok = crypto_aead_xchacha20poly1305_ietf_decrypt (tmp, NULL, NULL, box->box,
           GST_E2EE_BOX_LEN, ad->data, ad->len, box->box_nonce, key) == 0;
  g_byte_array_unref (ad);
  sodium_memzero (key, sizeof (key));
  if (ok)
    memcpy (mk, tmp, GST_E2EE_KEY_LEN);
  sodium_memzero (tmp, sizeof (tmp));
  return ok;
}

gboolean
gst_e2ee_media_key (const guint8 mk[GST_E2EE_KEY_LEN], GBytes *instance,
    guint64 epoch, guint16 index, guint8 out[32])
{
  static const char label[] = "gst-e2ee/1 media";
  GByteArray *info;
  gboolean ok;

  if (epoch >= G_GUINT64_CONSTANT (1) << 48)
    return FALSE; /* KID(e, i) = e << 16 | i must not wrap */
  info = g_byte_array_sized_new (32);
  put_bytes (info, (const guint8 *)label, sizeof (label) - 1);
  put_u64 (info, epoch);
  put_u16 (info, index);
  ok = hkdf_sha256 (g_bytes_get_data (instance, NULL),
      g_bytes_get_size (instance), mk, GST_E2EE_KEY_LEN, info->data, info->len,
      out, 32);
  g_byte_array_unref (info);
  return ok;
}

guint64
gst_e2ee_media_kid (guint64 epoch, guint16 index)
{
  return (epoch << 16) | index;
}

gchar *
gst_e2ee_security_code (const gchar *meeting_id, GBytes *instance,
    const guint8 leader_identity_key[GST_E2EE_KEY_LEN])
{
  static const char ctx[] = "gst-e2ee/1 security code";
  GByteArray *in = g_byte_array_sized_new (256);
  guint8 h[crypto_hash_sha512_BYTES];
  GString *s = g_string_sized_new (48);

  gst_e2ee_sframe_init ();
  put_bytes (in, (const guint8 *)ctx, sizeof (ctx) - 1);
  put_str16 (in, meeting_id);
  put_vec16 (
      in, g_bytes_get_data (instance, NULL), g_bytes_get_size (instance));
  put_bytes (in, leader_identity_key, GST_E2EE_KEY_LEN);
  crypto_hash_sha512 (h, in->data, in->len);
  g_byte_array_unref (in);
  for (guint i = 0; i < 4; i++) {
    guint64 v = 0;
    gchar digits[11];
    for (guint j = 0; j < 8; j++)
      v = v << 8 | h[8 * i + j];
    g_snprintf (digits, sizeof (digits), "%010" G_GUINT64_FORMAT,
        v % G_GUINT64_CONSTANT (10000000000));
    for (guint j = 0; j < 10; j += 5) {
      if (s->len)
        g_string_append_c (s, ' ');
      g_string_append_len (s, digits + j, 5);
    }
  }
  return g_string_free (s, FALSE);
}
