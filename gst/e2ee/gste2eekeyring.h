/* GstE2eeKeyring: the SFrame keys of one meeting, shared between
 * keyexchange, e2eeenc and e2eedec through a GstContext.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_KEYRING_H__
#define __GST_E2EE_KEYRING_H__

#include "e2ee-prelude.h"
#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GST_E2EE_KEYRING_CONTEXT_TYPE:
 *
 * The GstContext type that carries a #GstE2eeKeyring in the field
 * "keyring".  Elements ask for it with NEED_CONTEXT / a CONTEXT query;
 * keyexchange (or the application) provides it.
 */
#define GST_E2EE_KEYRING_CONTEXT_TYPE "gst-e2ee.keyring"

/**
 * GstE2eeKeyUsage:
 * @GST_E2EE_KEY_RECEIVE: the key decrypts frames of a remote sender
 * @GST_E2EE_KEY_SEND: the key encrypts our own frames
 *
 * RFC 9605 section 4.4.1: a key is used in one direction only.
 */
typedef enum
{
  GST_E2EE_KEY_RECEIVE = 1,
  GST_E2EE_KEY_SEND = 2,
} GstE2eeKeyUsage;

#define GST_E2EE_KEYRING_MAX_KEYS 4096
#define GST_E2EE_KEY_MAX_LEN 64

/**
 * GstE2eeKey:
 *
 * An immutable, reference-counted handle to one base key of the keyring.
 * The base key lives in guarded memory (sodium_malloc) and is wiped when
 * the last reference goes.  A send key also owns the SFrame counter of its
 * KID, shared by every e2eeenc that sends with it.
 */
typedef struct _GstE2eeKey GstE2eeKey;

#define GST_TYPE_E2EE_KEY (gst_e2ee_key_get_type ())
GST_E2EE_API
GType gst_e2ee_key_get_type (void);

GST_E2EE_API
GstE2eeKey *gst_e2ee_key_ref (GstE2eeKey *key);
GST_E2EE_API
void gst_e2ee_key_unref (GstE2eeKey *key);
GST_E2EE_API
guint64 gst_e2ee_key_get_kid (const GstE2eeKey *key);
GST_E2EE_API
GstE2eeKeyUsage gst_e2ee_key_get_usage (const GstE2eeKey *key);
GST_E2EE_API
const gchar *gst_e2ee_key_get_sender (const GstE2eeKey *key);
GST_E2EE_API
const guint8 *gst_e2ee_key_get_base_key (const GstE2eeKey *key, gsize *len);
/* FALSE once the key was removed from its keyring or its grace period
 * ended: drop anything derived from it. */
GST_E2EE_API
gboolean gst_e2ee_key_is_valid (const GstE2eeKey *key);
/* Send keys: reserve the next SFrame counter. FALSE when the counter space
 * is exhausted (the key must be replaced). */
GST_E2EE_API
gboolean gst_e2ee_key_next_counter (GstE2eeKey *key, guint64 *ctr);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstE2eeKey, gst_e2ee_key_unref)

#define GST_TYPE_E2EE_KEYRING (gst_e2ee_keyring_get_type ())
GST_E2EE_API
GType gst_e2ee_keyring_get_type (void);
G_DECLARE_FINAL_TYPE (
    GstE2eeKeyring, gst_e2ee_keyring, GST, E2EE_KEYRING, GstObject)

GST_E2EE_API
GstE2eeKeyring *gst_e2ee_keyring_new (const gchar *meeting_id);
GST_E2EE_API
const gchar *gst_e2ee_keyring_get_meeting_id (GstE2eeKeyring *keyring);

GST_E2EE_API
gboolean gst_e2ee_keyring_add_key (GstE2eeKeyring *keyring, guint64 kid,
    const guint8 *base_key, gsize len, GstE2eeKeyUsage usage,
    const gchar *sender, GError **error);
GST_E2EE_API
gboolean gst_e2ee_keyring_set_send_kid (
    GstE2eeKeyring *keyring, guint64 kid, GError **error);
GST_E2EE_API
gboolean gst_e2ee_keyring_retire_key (
    GstE2eeKeyring *keyring, guint64 kid, GstClockTime grace);
GST_E2EE_API
gboolean gst_e2ee_keyring_remove_key (GstE2eeKeyring *keyring, guint64 kid);
GST_E2EE_API
void gst_e2ee_keyring_clear (GstE2eeKeyring *keyring);

GST_E2EE_API
GstE2eeKey *gst_e2ee_keyring_lookup (
    GstE2eeKeyring *keyring, guint64 kid, GstE2eeKeyUsage usage);
GST_E2EE_API
GstE2eeKey *gst_e2ee_keyring_get_send_key (GstE2eeKeyring *keyring);
GST_E2EE_API
gboolean gst_e2ee_keyring_get_send_kid (GstE2eeKeyring *keyring, guint64 *kid);
GST_E2EE_API
guint gst_e2ee_keyring_get_n_keys (GstE2eeKeyring *keyring);

/* Changes on every add/remove/retire/expiry/send switch; cheap enough to
 * read per buffer.  Also wipes keys whose grace period has ended. */
GST_E2EE_API
guint gst_e2ee_keyring_get_generation (GstE2eeKeyring *keyring);

/* GstContext plumbing (the GL display model). */
GST_E2EE_API
GstContext *gst_e2ee_context_new_keyring (
    GstE2eeKeyring *keyring, gboolean persistent);
GST_E2EE_API
gboolean gst_e2ee_context_get_keyring (
    GstContext *context, GstE2eeKeyring **keyring);
/* Query peers, then post NEED_CONTEXT; TRUE if *keyring is set after. */
GST_E2EE_API
gboolean gst_e2ee_keyring_ensure (
    GstElement *element, GstE2eeKeyring **keyring);
/* For set_context vfuncs: stores the keyring if context is ours. */
GST_E2EE_API
gboolean gst_e2ee_keyring_handle_set_context (
    GstElement *element, GstContext *context, GstE2eeKeyring **keyring);
/* For query handlers: answers a CONTEXT query from the keyring the element
 * holds in *keyring (read under the object lock). */
GST_E2EE_API
gboolean gst_e2ee_keyring_handle_context_query (
    GstElement *element, GstQuery *query, GstE2eeKeyring **keyring);

G_END_DECLS

#endif /* __GST_E2EE_KEYRING_H__ */
