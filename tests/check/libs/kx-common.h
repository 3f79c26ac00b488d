/* Helpers shared by the key-exchange state machine tests (kx.c,
 * kx-ordered.c): participants in one process over an in-memory bulletin
 * board, on simulated time.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __KX_COMMON_H__
#define __KX_COMMON_H__

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "../kx-media.h"
#include "e2eekx.h"

#define STEP_MS 50

typedef struct _Hub Hub;

typedef struct
{
  Hub *hub;
  gchar *id;
  GstE2eeIdentity *identity;
  GstE2eeKeyring *keyring;
  GstE2eeKx *kx;
  guint cursor; /* next log entry to deliver */
  gboolean running; /* crashed participants stop */
  guint errors;
  guint forks;
  guint missing;
  guint conflicts;
  guint excluded;
  guint removed;
  guint blamed; /* errors naming a verified author */
  guint unverified; /* errors on a sender claim nobody proved */
  gchar *last_claim; /* claimed-participant-id of the last of those */
  gchar *last_blamed;
} Part;

/* The untrusted server: sees each delivery and may return it changed, or
 * NULL to drop it (per recipient: it can show different histories). */
typedef GBytes *(*HubFilter) (Hub *h, Part *to, GBytes *msg, gpointer data);

struct _Hub
{
  GPtrArray *log; /* GBytes, the bulletin board */
  GPtrArray *parts;
  GBytes *instance;
  gint64 now;
  gint64 step_ms;
  GstE2eeKxConfig cfg; /* timings of those who join */
  HubFilter filter;
  gpointer filter_data;
  /* the server's board rule (docs/protocol.md 2.2, slots): per author,
   * only the newest message of each type stays on the board */
  gboolean supersede;
  guint superseded;
};

static inline void
hub_supersede (Hub *h, GBytes *msg)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (msg, &n);
  GstE2eeMsg *m = gst_e2ee_msg_decode (d, n, NULL), *o;

  if (!m)
    return;
  for (guint i = 0; i < h->log->len; i++) {
    GBytes *b = h->log->pdata[i];
    d = g_bytes_get_data (b, &n);
    if (n < 2 || d[1] != m->type)
      continue;
    o = gst_e2ee_msg_decode (d, n, NULL);
    if (o && g_strcmp0 (o->sender_id, m->sender_id) == 0) {
      /* gone from the board: who has not read it yet never will */
      g_ptr_array_remove_index (h->log, i);
      for (guint k = 0; k < h->parts->len; k++) {
        Part *p = h->parts->pdata[k];
        if (p->cursor > i)
          p->cursor--;
      }
      h->superseded++;
      gst_e2ee_msg_free (o);
      break;
    }
    gst_e2ee_msg_free (o);
  }
  gst_e2ee_msg_free (m);
}

static inline void
on_send (GstE2eeKx *kx, GBytes *msg, gpointer user_data)
{
  Part *p = user_data;
  if (p->hub->supersede)
    hub_supersede (p->hub, msg);
  g_ptr_array_add (p->hub->log, g_bytes_ref (msg));
}

static inline gsize
hub_bytes (Hub *h)
{
  gsize sum = 0;
  for (guint i = 0; i < h->log->len; i++)
    sum += g_bytes_get_size (h->log->pdata[i]);
  return sum;
}

static inline void
on_event (GstE2eeKx *kx, GstStructure *ev, gpointer user_data)
{
  Part *p = user_data;

  if (gst_structure_has_name (ev, "keyexchange-error")) {
    gboolean verified = FALSE;
    GST_INFO ("%s: %" GST_PTR_FORMAT, p->id, ev);
    p->errors++;
    fail_unless (gst_structure_get_boolean (ev, "sender-verified", &verified));
    if (verified) {
      p->blamed++;
      g_free (p->last_blamed);
      p->last_blamed =
          g_strdup (gst_structure_get_string (ev, "participant-id"));
      fail_unless (p->last_blamed != NULL);
    } else {
      p->unverified++;
      fail_if (gst_structure_has_field (ev, "participant-id"));
      g_free (p->last_claim);
      p->last_claim =
          g_strdup (gst_structure_get_string (ev, "claimed-participant-id"));
    }
  }
  if (gst_structure_has_name (ev, "keyexchange-excluded"))
    p->excluded++;
  if (gst_structure_has_name (ev, "keyexchange-removed"))
    p->removed++;
  if (gst_structure_has_name (ev, "keyexchange-fork"))
    p->forks++;
  if (gst_structure_has_name (ev, "keyexchange-missing-key"))
    p->missing++;
  if (gst_structure_has_name (ev, "keyexchange-identity-conflict"))
    p->conflicts++;
  gst_structure_free (ev);
}

static inline Hub *
hub_new (void)
{
  Hub *h = g_new0 (Hub, 1);
  guint8 inst[16];

  for (guint i = 0; i < sizeof (inst); i++)
    inst[i] = (guint8)g_random_int ();
  h->log = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  h->parts = g_ptr_array_new ();
  h->instance = g_bytes_new (inst, sizeof (inst));
  h->step_ms = STEP_MS;
  h->cfg.heartbeat_ms = 500;
  h->cfg.grace_ms = 1000;
  return h;
}

static inline Part *
hub_join (Hub *h, const gchar *id)
{
  Part *p = g_new0 (Part, 1);
  GstE2eeKxConfig cfg = h->cfg;
  GstE2eeKxCallbacks cb = { on_send, on_event };

  p->hub = h;
  p->id = g_strdup (id);
  p->identity = gst_e2ee_identity_new ();
  p->keyring = gst_e2ee_keyring_new ("room");
  cfg.meeting_id = "room";
  cfg.instance = h->instance;
  cfg.participant_id = id;
  cfg.display_name = id;
  p->kx = gst_e2ee_kx_new (&cfg, p->identity, p->keyring, &cb, p);
  p->running = TRUE;
  g_ptr_array_add (h->parts, p);
  gst_e2ee_kx_start (p->kx, h->now);
  return p;
}

static inline void
part_free (Part *p)
{
  gst_e2ee_kx_free (p->kx);
  gst_object_unref (p->keyring);
  gst_e2ee_identity_free (p->identity);
  g_free (p->id);
  g_free (p->last_claim);
  g_free (p->last_blamed);
  g_free (p);
}

static inline void
hub_free (Hub *h)
{
  for (guint i = 0; i < h->parts->len; i++)
    part_free (g_ptr_array_index (h->parts, i));
  g_ptr_array_unref (h->parts);
  g_ptr_array_unref (h->log);
  g_bytes_unref (h->instance);
  g_free (h);
}

/* Delivers the board, in order, to every running participant (late
 * joiners get the whole history), until nobody writes any more. */
static inline void
hub_pump (Hub *h)
{
  gboolean more = TRUE;

  while (more) {
    more = FALSE;
    for (guint i = 0; i < h->parts->len; i++) {
      Part *p = g_ptr_array_index (h->parts, i);
      while (p->running && p->cursor < h->log->len) {
        GBytes *b = g_ptr_array_index (h->log, p->cursor++);
        gsize n;
        const guint8 *d;
        b = h->filter ? h->filter (h, p, b, h->filter_data) : g_bytes_ref (b);
        more = TRUE;
        if (!b)
          continue;
        d = g_bytes_get_data (b, &n);
        gst_e2ee_kx_receive (p->kx, d, n, h->now);
        g_bytes_unref (b);
      }
    }
  }
}

static inline void
hub_run (Hub *h, gint64 until_ms)
{
  while (h->now < until_ms) {
    hub_pump (h);
    for (guint i = 0; i < h->parts->len; i++) {
      Part *p = g_ptr_array_index (h->parts, i);
      if (p->running)
        gst_e2ee_kx_tick (p->kx, h->now);
    }
    hub_pump (h);
    h->now += h->step_ms;
  }
}

/* The base key of kid in a keyring (NULL if absent) */
static inline GBytes *
key_bytes (GstE2eeKeyring *kr, guint64 kid, GstE2eeKeyUsage usage)
{
  GstE2eeKey *k = gst_e2ee_keyring_lookup (kr, kid, usage);
  gsize n;
  const guint8 *d;
  GBytes *b;

  if (!k)
    return NULL;
  d = gst_e2ee_key_get_base_key (k, &n);
  b = g_bytes_new (d, n);
  gst_e2ee_key_unref (k);
  return b;
}

/* Everybody running agrees on leader, epoch and code, sends with the
 * current epoch, and holds everybody else's key of it. */
static inline guint64
check_agreement (Hub *h)
{
  Part *ref = NULL;
  guint64 epoch = 0;
  gchar *code = NULL;

  for (guint i = 0; i < h->parts->len; i++) {
    Part *p = g_ptr_array_index (h->parts, i);
    gchar *c;
    if (!p->running || !gst_e2ee_kx_get_leader (p->kx))
      continue;
    c = gst_e2ee_kx_get_security_code (p->kx);
    if (!ref) {
      ref = p;
      epoch = gst_e2ee_kx_get_send_epoch (p->kx);
      code = c;
      fail_unless (epoch > 0, "%s sends with no epoch", p->id);
      continue;
    }
    fail_unless_equals_string (
        gst_e2ee_kx_get_leader (p->kx), gst_e2ee_kx_get_leader (ref->kx));
    fail_unless_equals_uint64 (gst_e2ee_kx_get_send_epoch (p->kx), epoch);
    fail_unless_equals_string (c, code);
    g_free (c);
  }
  g_free (code);
  /* a's send key of the epoch is b's receive key for the same KID */
  for (guint i = 0; i < h->parts->len; i++) {
    Part *a = g_ptr_array_index (h->parts, i);
    guint64 kid;
    GBytes *send;
    if (!a->running)
      continue;
    kid = gst_e2ee_media_kid (epoch, (guint16)gst_e2ee_kx_get_index (a->kx));
    send = key_bytes (a->keyring, kid, GST_E2EE_KEY_SEND);
    fail_unless (send != NULL,
        "%s has no send key for epoch %" G_GUINT64_FORMAT, a->id, epoch);
    for (guint j = 0; j < h->parts->len; j++) {
      Part *b = g_ptr_array_index (h->parts, j);
      GBytes *recv;
      if (b == a || !b->running)
        continue;
      recv = key_bytes (b->keyring, kid, GST_E2EE_KEY_RECEIVE);
      fail_unless (recv != NULL && g_bytes_equal (send, recv),
          "%s cannot decrypt %s", b->id, a->id);
      g_bytes_unref (recv);
    }
    g_bytes_unref (send);
    fail_unless_equals_int (a->errors, 0);
    fail_unless_equals_int (a->forks, 0);
  }
  return epoch;
}

/* Media from a to b through e2eeenc (a's keyring) and e2eedec (b's). */
static inline void
check_media (Part *a, Part *b)
{
  check_keyring_media (a->keyring, b->keyring, a->id, b->id);
}

static inline void
run_meeting (guint n)
{
  Hub *h = hub_new ();
  GStrv roster;

  for (guint i = 0; i < n; i++) {
    gchar *id = g_strdup_printf ("p%02u", i);
    hub_join (h, id);
    g_free (id);
  }
  hub_run (h, 6000);
  GST_INFO ("%u participants: epoch %" G_GUINT64_FORMAT ", %u messages", n,
      check_agreement (h), h->log->len);
  for (guint i = 0; i < MIN (n, 4u); i++)
    for (guint j = 0; j < MIN (n, 4u); j++)
      if (i != j)
        check_media (h->parts->pdata[i], h->parts->pdata[j]);
  check_media (h->parts->pdata[n - 1], h->parts->pdata[0]);
  roster = gst_e2ee_kx_get_roster (((Part *)h->parts->pdata[n - 1])->kx);
  fail_unless_equals_int (g_strv_length (roster), n);
  g_strfreev (roster);
  hub_free (h);
}

static inline GstE2eeMsgType
msg_type (GBytes *b)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  return n > 1 ? d[1] : 0;
}

/* A HubFilter: the server withholds the KEYS messages from the participant
 * named by data. */
static inline GBytes *
drop_keys_for (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  if (msg_type (msg) == GST_E2EE_MSG_KEYS && g_strcmp0 (to->id, data) == 0)
    return NULL;
  return g_bytes_ref (msg);
}

static inline guint
total (Hub *h, gsize offset)
{
  guint sum = 0;
  for (guint i = 0; i < h->parts->len; i++)
    sum += G_STRUCT_MEMBER (guint, h->parts->pdata[i], offset);
  return sum;
}

static inline Hub *
meeting_of (guint n)
{
  Hub *h = hub_new ();
  const gchar *ids[] = { "alice", "bob", "carol", "dave", "erin" };

  for (guint i = 0; i < n; i++)
    hub_join (h, ids[i]);
  return h;
}

#endif /* __KX_COMMON_H__ */
