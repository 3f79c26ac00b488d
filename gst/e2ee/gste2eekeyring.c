/* GstE2eeKeyring
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gste2eekeyring
 * @title: GstE2eeKeyring
 * @short_description: the SFrame keys of one meeting
 *
 * A keyring holds the SFrame base keys of one meeting: one or more send
 * keys (ours; one of them is the current send KID) and receive keys for
 * remote senders, each tagged with the KID that names it on the wire and
 * the participant that owns it.  A key that is retired stays usable for
 * receiving during a grace period and is then wiped.
 *
 * It is shared between keyexchange, e2eeenc and e2eedec of one pipeline
 * through a #GstContext of type %GST_E2EE_KEYRING_CONTEXT_TYPE, so key
 * material is typed once.  All functions are thread safe.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eekeyring.h"

#include <stdatomic.h>
#include <string.h>

#include <gio/gio.h>
#include <sodium.h>

#include "sframe.h"

GST_DEBUG_CATEGORY_STATIC (keyring_debug);
#define GST_CAT_DEFAULT keyring_debug

struct _GstE2eeKey
{
  gint refcount;
  guint64 kid;
  GstE2eeKeyUsage usage;
  gchar *sender;
  guint8 *base; /* sodium_malloc */
  gsize len;
  gint valid; /* atomic */
  gint64 expires_at; /* monotonic us, 0 = not retired */
  _Atomic guint64 next_ctr;
};

struct _GstE2eeKeyring
{
  GstObject parent;

  gchar *meeting_id;
  GMutex lock;
  GHashTable *keys; /* guint64* kid -> GstE2eeKey* */
  gboolean have_send;
  guint64 send_kid;
  gint generation; /* atomic */
  _Atomic gint64 next_expiry; /* earliest expires_at, or G_MAXINT64 */
};

enum
{
  SIGNAL_KEY_ADDED,
  SIGNAL_KEY_REMOVED,
  SIGNAL_SEND_KEY_CHANGED,
  LAST_SIGNAL
};
static guint signals[LAST_SIGNAL];

enum
{
  PROP_0,
  PROP_MEETING_ID,
  PROP_N_KEYS,
};

G_DEFINE_BOXED_TYPE (
    GstE2eeKey, gst_e2ee_key, gst_e2ee_key_ref, gst_e2ee_key_unref);

G_DEFINE_TYPE_WITH_CODE (GstE2eeKeyring, gst_e2ee_keyring, GST_TYPE_OBJECT,
    GST_DEBUG_CATEGORY_INIT (
        keyring_debug, "e2eekeyring", 0, "E2EE meeting keyring"));

/* ------------------------------------------------------------------ key */

GstE2eeKey *
gst_e2ee_key_ref (GstE2eeKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);
  g_atomic_int_inc (&key->refcount);
  return key;
}

void
gst_e2ee_key_unref (GstE2eeKey *key)
{
  g_return_if_fail (key != NULL);
  if (!g_atomic_int_dec_and_test (&key->refcount))
    return;
  sodium_free (key->base); /* wipes before freeing */
  g_free (key->sender);
  g_free (key);
}

guint64
gst_e2ee_key_get_kid (const GstE2eeKey *key)
{
  return key->kid;
}

GstE2eeKeyUsage
gst_e2ee_key_get_usage (const GstE2eeKey *key)
{
  return key->usage;
}

const gchar *
gst_e2ee_key_get_sender (const GstE2eeKey *key)
{
  return key->sender;
}

const guint8 *
gst_e2ee_key_get_base_key (const GstE2eeKey *key, gsize *len)
{
  if (len)
    *len = key->len;
  return key->base;
}

gboolean
gst_e2ee_key_is_valid (const GstE2eeKey *key)
{
  return g_atomic_int_get (&((GstE2eeKey *)key)->valid);
}

gboolean
gst_e2ee_key_next_counter (GstE2eeKey *key, guint64 *ctr)
{
  guint64 v = atomic_load (&key->next_ctr);

  do {
    /* 2^64-1 is never used: past it the counter would wrap */
    if (v == G_MAXUINT64)
      return FALSE;
  } while (!atomic_compare_exchange_weak (&key->next_ctr, &v, v + 1));
  *ctr = v;
  return TRUE;
}

/* -------------------------------------------------------------- keyring */

static void
gst_e2ee_keyring_init (GstE2eeKeyring *self)
{
  g_mutex_init (&self->lock);
  self->keys = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)gst_e2ee_key_unref);
  atomic_init (&self->next_expiry, G_MAXINT64);
}

static void
gst_e2ee_keyring_finalize (GObject *object)
{
  GstE2eeKeyring *self = GST_E2EE_KEYRING (object);

  gst_e2ee_keyring_clear (self);
  g_hash_table_unref (self->keys);
  g_mutex_clear (&self->lock);
  g_free (self->meeting_id);
  G_OBJECT_CLASS (gst_e2ee_keyring_parent_class)->finalize (object);
}

static void
gst_e2ee_keyring_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstE2eeKeyring *self = GST_E2EE_KEYRING (object);

  switch (prop_id) {
    case PROP_MEETING_ID:
      g_free (self->meeting_id);
      self->meeting_id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_keyring_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstE2eeKeyring *self = GST_E2EE_KEYRING (object);

  switch (prop_id) {
    case PROP_MEETING_ID:
      g_value_set_string (value, self->meeting_id);
      break;
    case PROP_N_KEYS:
      g_value_set_uint (value, gst_e2ee_keyring_get_n_keys (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_e2ee_keyring_class_init (GstE2eeKeyringClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_e2ee_keyring_finalize;
  gobject_class->set_property = gst_e2ee_keyring_set_property;
  gobject_class->get_property = gst_e2ee_keyring_get_property;

  g_object_class_install_property (gobject_class, PROP_MEETING_ID,
      g_param_spec_string ("meeting-id", "Meeting ID",
          "Identifier of the meeting whose keys this keyring holds", NULL,
          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_N_KEYS,
      g_param_spec_uint ("n-keys", "Number of keys",
          "Keys currently held (send, receive and retired)", 0, G_MAXUINT, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstE2eeKeyring::key-added:
   * @keyring: the keyring
   * @kid: the KID of the new key
   *
   * A key was added. e2eedec releases frames held for this KID.
   */
  signals[SIGNAL_KEY_ADDED] =
      g_signal_new ("key-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  /**
   * GstE2eeKeyring::key-removed:
   * @keyring: the keyring
   * @kid: the KID of the key that was wiped
   */
  signals[SIGNAL_KEY_REMOVED] =
      g_signal_new ("key-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  /**
   * GstE2eeKeyring::send-key-changed:
   * @keyring: the keyring
   * @kid: the new send KID
   */
  signals[SIGNAL_SEND_KEY_CHANGED] = g_signal_new ("send-key-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_UINT64);
}

/**
 * gst_e2ee_keyring_new:
 * @meeting_id: (nullable): the meeting this keyring belongs to
 *
 * Returns: (transfer full): a new, empty keyring
 */
GstE2eeKeyring *
gst_e2ee_keyring_new (const gchar *meeting_id)
{
  gst_e2ee_sframe_init ();
  return g_object_new (GST_TYPE_E2EE_KEYRING, "meeting-id", meeting_id, NULL);
}

const gchar *
gst_e2ee_keyring_get_meeting_id (GstE2eeKeyring *keyring)
{
  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), NULL);
  return keyring->meeting_id;
}

static void
bump (GstE2eeKeyring *self)
{
  g_atomic_int_inc (&self->generation);
}

/* Called with the lock held; the key is removed from the table and
 * invalidated. Returns TRUE if it was the send key. */
static gboolean
drop_locked (GstE2eeKeyring *self, guint64 kid)
{
  GstE2eeKey *key = g_hash_table_lookup (self->keys, &kid);
  gboolean was_send = FALSE;

  if (!key)
    return FALSE;
  g_atomic_int_set (&key->valid, 0);
  if (self->have_send && self->send_kid == kid) {
    self->have_send = FALSE;
    was_send = TRUE;
  }
  g_hash_table_remove (self->keys, &kid);
  return was_send;
}

static void
recompute_expiry_locked (GstE2eeKeyring *self)
{
  GHashTableIter it;
  gpointer v;
  gint64 next = G_MAXINT64;

  g_hash_table_iter_init (&it, self->keys);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    GstE2eeKey *k = v;
    if (k->expires_at && k->expires_at < next)
      next = k->expires_at;
  }
  atomic_store (&self->next_expiry, next);
}

static void
expire (GstE2eeKeyring *self)
{
  GHashTableIter it;
  gpointer v;
  gint64 now = g_get_monotonic_time ();
  GArray *gone = g_array_new (FALSE, FALSE, sizeof (guint64));

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&it, self->keys);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    GstE2eeKey *k = v;
    if (k->expires_at && k->expires_at <= now)
      g_array_append_val (gone, k->kid);
  }
  for (guint i = 0; i < gone->len; i++)
    drop_locked (self, g_array_index (gone, guint64, i));
  recompute_expiry_locked (self);
  if (gone->len)
    bump (self);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < gone->len; i++) {
    GST_DEBUG_OBJECT (self,
        "grace period of KID %" G_GUINT64_FORMAT " ended, key wiped",
        g_array_index (gone, guint64, i));
    g_signal_emit (
        self, signals[SIGNAL_KEY_REMOVED], 0, g_array_index (gone, guint64, i));
  }
  g_array_unref (gone);
}

guint
gst_e2ee_keyring_get_generation (GstE2eeKeyring *keyring)
{
  gint64 next = atomic_load (&keyring->next_expiry);

  if (G_UNLIKELY (next != G_MAXINT64 && g_get_monotonic_time () >= next))
    expire (keyring);
  return (guint)g_atomic_int_get (&keyring->generation);
}

/**
 * gst_e2ee_keyring_add_key:
 * @keyring: the keyring
 * @kid: SFrame KID that names the key on the wire
 * @base_key: (array length=len): the SFrame base key
 * @len: its length, 16 to 64 bytes
 * @usage: send or receive (RFC 9605: never both)
 * @sender: (nullable): participant that sends with this key
 * @error: where to report a refusal
 *
 * Adds a key.  A KID that is already present (even retired) is refused:
 * reusing a KID with another key would break counter uniqueness.
 *
 * Returns: TRUE on success
 */
gboolean
gst_e2ee_keyring_add_key (GstE2eeKeyring *keyring, guint64 kid,
    const guint8 *base_key, gsize len, GstE2eeKeyUsage usage,
    const gchar *sender, GError **error)
{
  GstE2eeKey *key;
  guint64 *k;

  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), FALSE);
  g_return_val_if_fail (base_key != NULL, FALSE);

  if (len < 16 || len > GST_E2EE_KEY_MAX_LEN) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "base key must be 16 to %d bytes, got %" G_GSIZE_FORMAT,
        GST_E2EE_KEY_MAX_LEN, len);
    return FALSE;
  }
  if (usage != GST_E2EE_KEY_SEND && usage != GST_E2EE_KEY_RECEIVE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "a key is either for sending or for receiving");
    return FALSE;
  }

  key = g_new0 (GstE2eeKey, 1);
  key->refcount = 1;
  key->kid = kid;
  key->usage = usage;
  key->sender = g_strdup (sender);
  key->len = len;
  key->valid = 1;
  atomic_init (&key->next_ctr, 0);
  key->base = sodium_malloc (len);
  if (!key->base) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
        "cannot allocate guarded memory for a key");
    g_free (key->sender);
    g_free (key);
    return FALSE;
  }
  memcpy (key->base, base_key, len);
  sodium_mprotect_readonly (key->base);

  g_mutex_lock (&keyring->lock);
  if (g_hash_table_contains (keyring->keys, &kid)) {
    g_mutex_unlock (&keyring->lock);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
        "KID %" G_GUINT64_FORMAT " is already in the keyring", kid);
    gst_e2ee_key_unref (key);
    return FALSE;
  }
  if (g_hash_table_size (keyring->keys) >= GST_E2EE_KEYRING_MAX_KEYS) {
    g_mutex_unlock (&keyring->lock);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
        "keyring is full (%d keys)", GST_E2EE_KEYRING_MAX_KEYS);
    gst_e2ee_key_unref (key);
    return FALSE;
  }
  k = &key->kid;
  g_hash_table_insert (keyring->keys, k, key);
  bump (keyring);
  g_mutex_unlock (&keyring->lock);

  GST_DEBUG_OBJECT (keyring, "added %s key KID %" G_GUINT64_FORMAT " of '%s'",
      usage == GST_E2EE_KEY_SEND ? "send" : "receive", kid,
      GST_STR_NULL (sender));
  g_signal_emit (keyring, signals[SIGNAL_KEY_ADDED], 0, kid);
  return TRUE;
}

/**
 * gst_e2ee_keyring_set_send_kid:
 * @keyring: the keyring
 * @kid: a send key of this keyring
 * @error: where to report a refusal
 *
 * Makes @kid the key e2eeenc encrypts with from its next frame on.
 */
gboolean
gst_e2ee_keyring_set_send_kid (
    GstE2eeKeyring *keyring, guint64 kid, GError **error)
{
  GstE2eeKey *key;

  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), FALSE);

  g_mutex_lock (&keyring->lock);
  key = g_hash_table_lookup (keyring->keys, &kid);
  if (!key || key->usage != GST_E2EE_KEY_SEND || key->expires_at) {
    g_mutex_unlock (&keyring->lock);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "KID %" G_GUINT64_FORMAT " is not a live send key", kid);
    return FALSE;
  }
  keyring->have_send = TRUE;
  keyring->send_kid = kid;
  bump (keyring);
  g_mutex_unlock (&keyring->lock);

  g_signal_emit (keyring, signals[SIGNAL_SEND_KEY_CHANGED], 0, kid);
  return TRUE;
}

/**
 * gst_e2ee_keyring_retire_key:
 * @keyring: the keyring
 * @kid: the key to retire
 * @grace: how long it still decrypts late frames
 *
 * A retired key no longer encrypts; it decrypts for @grace and is then
 * wiped.  Retiring the current send key leaves the keyring without one
 * until gst_e2ee_keyring_set_send_kid() is called: e2eeenc drops (never
 * sends in clear) meanwhile.
 */
gboolean
gst_e2ee_keyring_retire_key (
    GstE2eeKeyring *keyring, guint64 kid, GstClockTime grace)
{
  GstE2eeKey *key;
  gint64 at;
  gboolean was_send = FALSE;

  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), FALSE);

  if (grace == 0)
    return gst_e2ee_keyring_remove_key (keyring, kid);

  at = g_get_monotonic_time () +
      (gint64)MIN (
          grace / GST_USECOND, (GstClockTime)G_MAXINT32 * G_USEC_PER_SEC);
  g_mutex_lock (&keyring->lock);
  key = g_hash_table_lookup (keyring->keys, &kid);
  if (!key) {
    g_mutex_unlock (&keyring->lock);
    return FALSE;
  }
  key->expires_at = at;
  if (keyring->have_send && keyring->send_kid == kid) {
    keyring->have_send = FALSE;
    was_send = TRUE;
  }
  recompute_expiry_locked (keyring);
  bump (keyring);
  g_mutex_unlock (&keyring->lock);

  GST_DEBUG_OBJECT (keyring, "retired KID %" G_GUINT64_FORMAT "%s", kid,
      was_send ? " (was the send key)" : "");
  return TRUE;
}

/**
 * gst_e2ee_keyring_remove_key:
 * @keyring: the keyring
 * @kid: the key to wipe now
 */
gboolean
gst_e2ee_keyring_remove_key (GstE2eeKeyring *keyring, guint64 kid)
{
  gboolean found;

  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), FALSE);

  g_mutex_lock (&keyring->lock);
  found = g_hash_table_contains (keyring->keys, &kid);
  drop_locked (keyring, kid);
  recompute_expiry_locked (keyring);
  bump (keyring);
  g_mutex_unlock (&keyring->lock);

  if (found)
    g_signal_emit (keyring, signals[SIGNAL_KEY_REMOVED], 0, kid);
  return found;
}

/**
 * gst_e2ee_keyring_clear:
 * @keyring: the keyring
 *
 * Wipes every key (leaving a meeting).
 */
void
gst_e2ee_keyring_clear (GstE2eeKeyring *keyring)
{
  GHashTableIter it;
  gpointer v;

  g_mutex_lock (&keyring->lock);
  g_hash_table_iter_init (&it, keyring->keys);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_atomic_int_set (&((GstE2eeKey *)v)->valid, 0);
  g_hash_table_remove_all (keyring->keys);
  keyring->have_send = FALSE;
  recompute_expiry_locked (keyring);
  bump (keyring);
  g_mutex_unlock (&keyring->lock);
}

/**
 * gst_e2ee_keyring_lookup:
 * @keyring: the keyring
 * @kid: the KID of a received frame or of a send key
 * @usage: which kind of key is wanted
 *
 * Returns: (transfer full) (nullable): the key, if present and not expired
 */
GstE2eeKey *
gst_e2ee_keyring_lookup (
    GstE2eeKeyring *keyring, guint64 kid, GstE2eeKeyUsage usage)
{
  GstE2eeKey *key;

  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), NULL);

  gst_e2ee_keyring_get_generation (keyring); /* runs expiry */
  g_mutex_lock (&keyring->lock);
  key = g_hash_table_lookup (keyring->keys, &kid);
  if (key && key->usage == usage)
    gst_e2ee_key_ref (key);
  else
    key = NULL;
  g_mutex_unlock (&keyring->lock);
  return key;
}

/**
 * gst_e2ee_keyring_get_send_key:
 * @keyring: the keyring
 *
 * Returns: (transfer full) (nullable): the current send key
 */
GstE2eeKey *
gst_e2ee_keyring_get_send_key (GstE2eeKeyring *keyring)
{
  GstE2eeKey *key = NULL;

  g_return_val_if_fail (GST_IS_E2EE_KEYRING (keyring), NULL);

  g_mutex_lock (&keyring->lock);
  if (keyring->have_send) {
    key = g_hash_table_lookup (keyring->keys, &keyring->send_kid);
    if (key)
      gst_e2ee_key_ref (key);
  }
  g_mutex_unlock (&keyring->lock);
  return key;
}

gboolean
gst_e2ee_keyring_get_send_kid (GstE2eeKeyring *keyring, guint64 *kid)
{
  gboolean have;

  g_mutex_lock (&keyring->lock);
  have = keyring->have_send;
  if (have && kid)
    *kid = keyring->send_kid;
  g_mutex_unlock (&keyring->lock);
  return have;
}

guint
gst_e2ee_keyring_get_n_keys (GstE2eeKeyring *keyring)
{
  guint n;

  g_mutex_lock (&keyring->lock);
  n = g_hash_table_size (keyring->keys);
  g_mutex_unlock (&keyring->lock);
  return n;
}

/* -------------------------------------------------------------- context */

/**
 * gst_e2ee_context_new_keyring:
 * @keyring: the keyring to share
 * @persistent: whether the context survives READY→NULL
 *
 * Returns: (transfer full): a context of type
 * %GST_E2EE_KEYRING_CONTEXT_TYPE holding @keyring
 */
GstContext *
gst_e2ee_context_new_keyring (GstE2eeKeyring *keyring, gboolean persistent)
{
  GstContext *ctx = gst_context_new (GST_E2EE_KEYRING_CONTEXT_TYPE, persistent);
  GstStructure *s = gst_context_writable_structure (ctx);

  gst_structure_set (s, "keyring", GST_TYPE_E2EE_KEYRING, keyring, "meeting-id",
      G_TYPE_STRING, keyring->meeting_id, NULL);
  return ctx;
}

gboolean
gst_e2ee_context_get_keyring (GstContext *context, GstE2eeKeyring **keyring)
{
  const GstStructure *s;

  g_return_val_if_fail (GST_IS_CONTEXT (context), FALSE);
  if (g_strcmp0 (gst_context_get_context_type (context),
          GST_E2EE_KEYRING_CONTEXT_TYPE) != 0)
    return FALSE;
  s = gst_context_get_structure (context);
  return gst_structure_get (
             s, "keyring", GST_TYPE_E2EE_KEYRING, keyring, NULL) &&
      *keyring != NULL;
}

static gboolean
run_query (GstElement *element, GstQuery *query, GstPadDirection dir)
{
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE, done = FALSE;

  it = dir == GST_PAD_SRC ? gst_element_iterate_src_pads (element)
                          : gst_element_iterate_sink_pads (element);
  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        if (gst_pad_peer_query (g_value_get_object (&item), query)) {
          found = TRUE;
          done = TRUE;
        }
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

gboolean
gst_e2ee_keyring_handle_set_context (
    GstElement *element, GstContext *context, GstE2eeKeyring **keyring)
{
  GstE2eeKeyring *kr = NULL, *old;

  if (!context || !gst_e2ee_context_get_keyring (context, &kr))
    return FALSE;
  GST_OBJECT_LOCK (element);
  old = *keyring;
  *keyring = kr;
  GST_OBJECT_UNLOCK (element);
  if (old)
    gst_object_unref (old);
  GST_DEBUG_OBJECT (element, "got keyring %" GST_PTR_FORMAT, kr);
  return TRUE;
}

gboolean
gst_e2ee_keyring_handle_context_query (
    GstElement *element, GstQuery *query, GstE2eeKeyring **keyring)
{
  const gchar *type;
  GstContext *old = NULL, *ctx;
  GstE2eeKeyring *kr;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CONTEXT)
    return FALSE;
  if (!gst_query_parse_context_type (query, &type) ||
      g_strcmp0 (type, GST_E2EE_KEYRING_CONTEXT_TYPE) != 0)
    return FALSE;
  GST_OBJECT_LOCK (element);
  kr = *keyring ? gst_object_ref (*keyring) : NULL;
  GST_OBJECT_UNLOCK (element);
  if (!kr)
    return FALSE;
  gst_query_parse_context (query, &old);
  if (old) {
    ctx = gst_context_copy (old);
    gst_structure_set (gst_context_writable_structure (ctx), "keyring",
        GST_TYPE_E2EE_KEYRING, kr, NULL);
  } else {
    ctx = gst_e2ee_context_new_keyring (kr, TRUE);
  }
  gst_query_set_context (query, ctx);
  gst_context_unref (ctx);
  gst_object_unref (kr);
  return TRUE;
}

static gboolean
have_keyring (GstElement *element, GstE2eeKeyring **keyring)
{
  gboolean have;
  GST_OBJECT_LOCK (element);
  have = *keyring != NULL;
  GST_OBJECT_UNLOCK (element);
  return have;
}

/**
 * gst_e2ee_keyring_ensure:
 * @element: the element that needs the keyring
 * @keyring: (inout): where its set_context handler stores the keyring
 *
 * Looks for the meeting keyring: first the element's own contexts, then a
 * CONTEXT query to downstream and upstream peers, then a NEED_CONTEXT
 * message answered by the bin's context cache or the application.  Call it
 * at NULL→READY and again at READY→PAUSED (see DESIGN.md: a sibling that
 * announces the keyring later is only seen by a second request).
 *
 * Returns: whether a keyring is set afterwards
 */
gboolean
gst_e2ee_keyring_ensure (GstElement *element, GstE2eeKeyring **keyring)
{
  GstContext *ctx;
  GstQuery *query;

  if (have_keyring (element, keyring))
    return TRUE;

  ctx = gst_element_get_context (element, GST_E2EE_KEYRING_CONTEXT_TYPE);
  if (ctx) {
    gst_e2ee_keyring_handle_set_context (element, ctx, keyring);
    gst_context_unref (ctx);
    if (have_keyring (element, keyring))
      return TRUE;
  }

  query = gst_query_new_context (GST_E2EE_KEYRING_CONTEXT_TYPE);
  if (run_query (element, query, GST_PAD_SRC) ||
      run_query (element, query, GST_PAD_SINK)) {
    gst_query_parse_context (query, &ctx);
    if (ctx)
      gst_element_set_context (element, ctx);
  }
  gst_query_unref (query);
  if (have_keyring (element, keyring))
    return TRUE;

  gst_element_post_message (element,
      gst_message_new_need_context (
          GST_OBJECT (element), GST_E2EE_KEYRING_CONTEXT_TYPE));
  return have_keyring (element, keyring);
}
