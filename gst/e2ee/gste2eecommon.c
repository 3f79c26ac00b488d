/* Helpers shared by e2eeenc and e2eedec.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eecommon.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sodium.h>

GType
gst_e2ee_cipher_suite_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_80,
        "AES_128_CTR_HMAC_SHA256_80 (0x0001): AES-128-CTR + HMAC-SHA256, "
        "80-bit tag",
        "aes-128-ctr-hmac-sha256-80" },
    { GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_64,
        "AES_128_CTR_HMAC_SHA256_64 (0x0002): AES-128-CTR + HMAC-SHA256, "
        "64-bit tag",
        "aes-128-ctr-hmac-sha256-64" },
    { GST_E2EE_SFRAME_SUITE_AES_128_CTR_HMAC_SHA256_32,
        "AES_128_CTR_HMAC_SHA256_32 (0x0003): AES-128-CTR + HMAC-SHA256, "
        "32-bit tag",
        "aes-128-ctr-hmac-sha256-32" },
    { GST_E2EE_SFRAME_SUITE_AES_128_GCM_SHA256_128,
        "AES_128_GCM_SHA256_128 (0x0004): AES-128-GCM, 128-bit tag",
        "aes-128-gcm-sha256-128" },
    { GST_E2EE_SFRAME_SUITE_AES_256_GCM_SHA512_128,
        "AES_256_GCM_SHA512_128 (0x0005): AES-256-GCM, 128-bit tag",
        "aes-256-gcm-sha512-128" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstE2eeCipherSuite", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

const gchar *
e2ee_suite_nick (GstE2eeSFrameSuite suite)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_E2EE_CIPHER_SUITE);
  GEnumValue *v = g_enum_get_value (klass, suite);

  g_type_class_unref (klass);
  /* the nicks are static strings of the registered enum */
  return v ? v->value_nick : NULL;
}

GstE2eeSFrameSuite
e2ee_suite_from_nick (const gchar *nick)
{
  GEnumClass *klass;
  GEnumValue *v;

  if (!nick)
    return 0;
  klass = g_type_class_ref (GST_TYPE_E2EE_CIPHER_SUITE);
  v = g_enum_get_value_by_nick (klass, nick);
  g_type_class_unref (klass);
  return v ? (GstE2eeSFrameSuite)v->value : 0;
}

GType
gst_e2ee_rtp_auth_fields_get_type (void)
{
  static GType type = 0;
  static const GFlagsValue values[] = {
    { GST_E2EE_RTP_AUTH_MARKER, "Marker bit", "marker" },
    { GST_E2EE_RTP_AUTH_PAYLOAD_TYPE, "Payload type", "payload-type" },
    { GST_E2EE_RTP_AUTH_TIMESTAMP, "RTP timestamp", "timestamp" },
    { GST_E2EE_RTP_AUTH_SSRC, "SSRC", "ssrc" },
    { GST_E2EE_RTP_AUTH_SEQUENCE, "Sequence number", "sequence" },
    { GST_E2EE_RTP_AUTH_CSRC, "CSRC list", "csrc" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_flags_register_static ("GstE2eeRtpAuthFields", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static guint8 *
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
  return p + 4;
}

/* Canonical metadata: the selected fields in a fixed order and width.  With
 * no field selected it is empty, as plain SFrame over the payload.  hdr is
 * a validated RTP header (12 bytes and its CSRCs). */
gsize
e2ee_rtp_header_metadata (
    const guint8 *hdr, guint fields, guint8 out[E2EE_RTP_METADATA_MAX])
{
  guint8 *p = out;

  if (fields & GST_E2EE_RTP_AUTH_MARKER)
    *p++ = hdr[1] >> 7;
  if (fields & GST_E2EE_RTP_AUTH_PAYLOAD_TYPE)
    *p++ = hdr[1] & 0x7f;
  if (fields & GST_E2EE_RTP_AUTH_TIMESTAMP)
    p = put32 (p, GST_READ_UINT32_BE (hdr + 4));
  if (fields & GST_E2EE_RTP_AUTH_SSRC)
    p = put32 (p, GST_READ_UINT32_BE (hdr + 8));
  if (fields & GST_E2EE_RTP_AUTH_SEQUENCE) {
    *p++ = hdr[2];
    *p++ = hdr[3];
  }
  if (fields & GST_E2EE_RTP_AUTH_CSRC) {
    guint8 cc = hdr[0] & 0x0f;
    *p++ = cc;
    memcpy (p, hdr + 12, 4 * cc);
    p += 4 * cc;
  }
  return (gsize)(p - out);
}

gsize
e2ee_rtp_metadata (
    GstRTPBuffer *rtp, guint fields, guint8 out[E2EE_RTP_METADATA_MAX])
{
  /* gst_rtp_buffer_map() validated the header, all in the first map */
  return e2ee_rtp_header_metadata (rtp->data[0], fields, out);
}

guint8 *
e2ee_parse_hex_key (const gchar *hex, gsize *len, gchar **why)
{
  gsize n;
  guint8 *key;

  if (!hex) {
    *why = g_strdup ("no key");
    return NULL;
  }
  n = strlen (hex);
  if (n % 2 != 0 || n < 32 || n > 128) {
    *why = g_strdup_printf ("key must be 32 to 128 hex digits (16 to 64 "
                            "bytes), got %" G_GSIZE_FORMAT " characters",
        n);
    return NULL;
  }
  key = sodium_malloc (n / 2);
  if (!key) {
    *why = g_strdup ("cannot allocate guarded memory");
    return NULL;
  }
  for (gsize i = 0; i < n / 2; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      sodium_free (key);
      *why = g_strdup_printf (
          "key has a non-hex character at position %" G_GSIZE_FORMAT,
          2 * i + (hi < 0 ? 0 : 1));
      return NULL;
    }
    key[i] = (guint8)(hi << 4 | lo);
  }
  *len = n / 2;
  return key;
}

void
e2ee_free_key (guint8 *key)
{
  if (key)
    sodium_free (key);
}

gboolean
e2ee_check_key_source (GstElement *element, gboolean have_key,
    const gchar *key_error, GstE2eeKeyring **keyring)
{
  if (key_error) {
    GST_ELEMENT_ERROR (
        element, RESOURCE, SETTINGS, ("Invalid key: %s", key_error), (NULL));
    return FALSE;
  }
  if (have_key || gst_e2ee_keyring_ensure (element, keyring))
    return TRUE;
  GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
      ("No key: set the 'key' property or add keyexchange (or a keyring "
       "context) to the pipeline"),
      (NULL));
  return FALSE;
}

static gboolean
copy_meta (GstBuffer *src, GstMeta **meta, gpointer user_data)
{
  GstBuffer *dst = user_data;
  const GstMetaInfo *info = (*meta)->info;
  const gchar *const *tags = gst_meta_api_type_get_tags (info->api);

  if (info->transform_func && (!tags || !tags[0])) {
    GstMetaTransformCopy copy = { FALSE, 0, -1 };
    info->transform_func (dst, *meta, src, _gst_meta_transform_copy, &copy);
  }
  return TRUE;
}

void
e2ee_copy_metadata (GstBuffer *dst, GstBuffer *src)
{
  gst_buffer_copy_into (
      dst, src, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_foreach_meta (src, copy_meta, dst);
}

/* ------------------------------------------------------- counter store */

gchar *
e2ee_default_counter_dir (void)
{
  return g_build_filename (
      g_get_user_state_dir (), "gst-e2ee", "counters", NULL);
}

gboolean
e2ee_counter_store_open (E2eeCounterStore *s, const gchar *dir,
    GstE2eeSFrameSuite suite, guint64 kid, const guint8 *key, gsize key_len,
    GError **error)
{
  static const char ctx[] = "gst-e2ee sframe counter v1";
  guint8 msg[sizeof (ctx) + 10], id[16];
  gchar name[2 * sizeof (id) + 1], *lock_path, *contents = NULL;
  g_autofree gchar *defdir = NULL;
  gsize clen;
  GError *err = NULL;

  memset (s, 0, sizeof (*s));
  s->lock_fd = -1;
  if (!dir || !*dir)
    dir = defdir = e2ee_default_counter_dir ();
  if (g_mkdir_with_parents (dir, 0700) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "cannot create the counter directory %s: %s", dir, g_strerror (errno));
    return FALSE;
  }

  /* The file is named by a keyed hash (a PRF of the key), never the key. */
  memcpy (msg, ctx, sizeof (ctx));
  msg[sizeof (ctx)] = suite >> 8;
  msg[sizeof (ctx) + 1] = suite & 0xff;
  for (guint i = 0; i < 8; i++)
    msg[sizeof (ctx) + 2 + i] = (guint8)(kid >> (56 - 8 * i));
  /* base keys are 16 to 64 bytes, the BLAKE2b key range */
  g_assert (key_len >= crypto_generichash_KEYBYTES_MIN &&
      key_len <= crypto_generichash_KEYBYTES_MAX);
  crypto_generichash (id, sizeof (id), msg, sizeof (msg), key, key_len);
  for (guint i = 0; i < sizeof (id); i++)
    g_snprintf (name + 2 * i, 3, "%02x", id[i]);
  s->path = g_build_filename (dir, name, NULL);

  lock_path = g_strconcat (s->path, ".lock", NULL);
  s->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "cannot open the counter lock %s: %s", lock_path, g_strerror (errno));
    g_free (lock_path);
    e2ee_counter_store_close (s);
    return FALSE;
  }
  g_free (lock_path);
  if (flock (s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
        "another sender is using this key and KID %" G_GUINT64_FORMAT
        " (counter state %s is locked): two senders on one key would "
        "repeat nonces",
        kid, s->path);
    e2ee_counter_store_close (s);
    return FALSE;
  }

  if (g_file_get_contents (s->path, &contents, &clen, &err)) {
    gchar *end = NULL;
    guint64 v = g_ascii_strtoull (contents, &end, 10);
    if (end == contents || (*end != '\n' && *end != '\0')) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "counter state %s is corrupt; refusing to guess a counter "
          "(remove it only if this key was never used)",
          s->path);
      g_free (contents);
      e2ee_counter_store_close (s);
      return FALSE;
    }
    s->next = s->limit = v;
    g_free (contents);
  } else if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
    g_clear_error (&err);
  } else {
    g_propagate_error (error, err);
    e2ee_counter_store_close (s);
    return FALSE;
  }
  return TRUE;
}

gboolean
e2ee_counter_store_next (E2eeCounterStore *s, guint64 *ctr, GError **error)
{
  if (G_UNLIKELY (s->next >= s->limit)) {
    gchar buf[32];
    guint64 limit;

    if (s->next == G_MAXUINT64) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
          "the SFrame counter of this key and KID is exhausted: use a new "
          "key or KID");
      return FALSE;
    }
    limit = s->next > G_MAXUINT64 - E2EE_COUNTER_BLOCK
        ? G_MAXUINT64
        : s->next + E2EE_COUNTER_BLOCK;
    g_snprintf (buf, sizeof (buf), "%" G_GUINT64_FORMAT "\n", limit);
    if (!g_file_set_contents_full (s->path, buf, -1,
            G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
            error))
      return FALSE;
    s->limit = limit;
  }
  *ctr = s->next++;
  return TRUE;
}

void
e2ee_counter_store_close (E2eeCounterStore *s)
{
  if (s->lock_fd >= 0)
    close (s->lock_fd); /* releases the flock */
  s->lock_fd = -1;
  g_clear_pointer (&s->path, g_free);
}

/* ---------------------------------------------------------- drop report */

void
e2ee_post_drop (GstElement *element, E2eeDropReport *r, GstClockTime interval,
    const gchar *reason, gboolean have_kid, guint64 kid, const gchar *sender,
    gboolean have_ssrc, guint32 ssrc, guint64 total)
{
  gint64 now = g_get_monotonic_time ();
  GstStructure *s;

  r->unreported++;
  if (r->last_us != 0 && interval != 0 &&
      now - r->last_us < (gint64)(interval / GST_USECOND))
    return;
  r->last_us = now;

  s = gst_structure_new ("e2ee-drop", "reason", G_TYPE_STRING, reason, "count",
      G_TYPE_UINT64, r->unreported, "total", G_TYPE_UINT64, total, NULL);
  if (have_kid)
    gst_structure_set (s, "kid", G_TYPE_UINT64, kid, NULL);
  if (sender)
    gst_structure_set (s, "sender", G_TYPE_STRING, sender, NULL);
  if (have_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  r->unreported = 0;
  GST_INFO_OBJECT (element, "dropped: %" GST_PTR_FORMAT, s);
  gst_element_post_message (
      element, gst_message_new_element (GST_OBJECT (element), s));
}
