/* The key-exchange state machine with many participants in one process,
 * over an in-memory bulletin board, on simulated time.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

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

static void
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

static void
on_send (GstE2eeKx *kx, GBytes *msg, gpointer user_data)
{
  Part *p = user_data;
  if (p->hub->supersede)
    hub_supersede (p->hub, msg);
  g_ptr_array_add (p->hub->log, g_bytes_ref (msg));
}

static gsize
hub_bytes (Hub *h)
{
  gsize sum = 0;
  for (guint i = 0; i < h->log->len; i++)
    sum += g_bytes_get_size (h->log->pdata[i]);
  return sum;
}

static void
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

static Hub *
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

static Part *
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

static void
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

static void
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
static void
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

static void
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
static GBytes *
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
static guint64
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
static void
check_media (Part *a, Part *b)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstContext *ca = gst_e2ee_context_new_keyring (a->keyring, TRUE);
  GstContext *cb = gst_e2ee_context_new_keyring (b->keyring, TRUE);
  GstHarness *he, *hd;
  GstBuffer *in, *ct, *out;

  gst_element_set_context (enc, ca);
  gst_element_set_context (dec, cb);
  he = gst_harness_new_with_element (enc, "sink", "src");
  hd = gst_harness_new_with_element (dec, "sink", "src");
  gst_harness_set_src_caps_str (he, "audio/x-opus");
  in = gst_buffer_new_allocate (NULL, 160, NULL);
  gst_buffer_memset (in, 0, 0x5a, 160);
  ct = gst_harness_push_and_pull (he, gst_buffer_ref (in));
  fail_unless (ct != NULL, "%s cannot send", a->id);
  gst_harness_set_src_caps (hd, gst_pad_get_current_caps (he->sinkpad));
  out = gst_harness_push_and_pull (hd, ct);
  fail_unless (out != NULL, "%s cannot decrypt %s", b->id, a->id);
  fail_unless (gst_buffer_memcmp (out, 0, "ZZZZ", 4) == 0);
  fail_unless_equals_int (gst_buffer_get_size (out), 160);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (he);
  gst_harness_teardown (hd);
  gst_object_unref (enc);
  gst_object_unref (dec);
  gst_context_unref (ca);
  gst_context_unref (cb);
}

static void
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

GST_START_TEST (test_two)
{
  run_meeting (2);
}

GST_END_TEST;

GST_START_TEST (test_three)
{
  run_meeting (3);
}

GST_END_TEST;

GST_START_TEST (test_ten)
{
  run_meeting (10);
}

GST_END_TEST;

GST_START_TEST (test_fifty)
{
  run_meeting (50);
}

GST_END_TEST;

/* A leaver, and a participant the server silently drops, get no key of
 * the epoch after they went; a late joiner gets no earlier epoch. */
GST_START_TEST (test_join_leave_forward_secrecy)
{
  Hub *h = hub_new ();
  Part *a, *b, *c, *d, *e;
  guint64 e1, e2, e3;

  a = hub_join (h, "alice");
  b = hub_join (h, "bob");
  c = hub_join (h, "carol");
  d = hub_join (h, "dave");
  hub_run (h, 5000);
  e1 = check_agreement (h);

  /* carol leaves properly, dave is dropped by the server (he keeps going
   * but the others are told he is gone) */
  gst_e2ee_kx_leave (c->kx, h->now);
  c->running = FALSE;
  gst_e2ee_kx_peer_gone (a->kx, "dave", h->now);
  gst_e2ee_kx_peer_gone (b->kx, "dave", h->now);
  d->running = FALSE;
  hub_run (h, 10000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless_equals_int (gst_e2ee_keyring_get_n_keys (c->keyring), 0);
  for (guint16 i = 0; i < 8; i++) {
    fail_unless (gst_e2ee_keyring_lookup (d->keyring,
                     gst_e2ee_media_kid (e2, i), GST_E2EE_KEY_RECEIVE) == NULL);
    fail_unless (gst_e2ee_keyring_lookup (d->keyring,
                     gst_e2ee_media_kid (e2, i), GST_E2EE_KEY_SEND) == NULL);
  }

  /* a late joiner, given the whole board, gets only the new epoch */
  e = hub_join (h, "erin");
  hub_run (h, 15000);
  e3 = check_agreement (h);
  fail_unless (e3 > e2);
  for (guint64 ep = 1; ep < e3; ep++)
    for (guint16 i = 0; i < 8; i++)
      fail_unless (
          gst_e2ee_keyring_lookup (e->keyring, gst_e2ee_media_kid (ep, i),
              GST_E2EE_KEY_RECEIVE) == NULL,
          "late joiner holds epoch %" G_GUINT64_FORMAT, ep);
  GST_INFO ("join/leave epochs %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
            " %" G_GUINT64_FORMAT ", board %u messages",
      e1, e2, e3, h->log->len);
  (void)b;
  hub_free (h);
}

GST_END_TEST;

/* The leader leaves, or crashes: the successor takes over, everybody
 * agrees, keys move on, and the security code changes. */
GST_START_TEST (test_leader_handover)
{
  Hub *h = hub_new ();
  Part *a;
  gchar *code1, *code2;
  guint64 e1, e2, e3;

  a = hub_join (h, "alice");
  hub_join (h, "bob");
  hub_join (h, "carol");
  hub_join (h, "dave");
  hub_run (h, 5000);
  e1 = check_agreement (h);
  fail_unless (gst_e2ee_kx_is_leader (a->kx));
  code1 = gst_e2ee_kx_get_security_code (a->kx);

  gst_e2ee_kx_leave (a->kx, h->now);
  a->running = FALSE;
  hub_run (h, 10000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[1])->kx), "bob");
  code2 = gst_e2ee_kx_get_security_code (((Part *)h->parts->pdata[2])->kx);
  fail_if (g_strcmp0 (code1, code2) == 0);
  /* media keeps flowing under the new leader */
  check_media (h->parts->pdata[1], h->parts->pdata[3]);
  check_media (h->parts->pdata[3], h->parts->pdata[2]);

  /* bob crashes: no LEAVE, no heartbeat; carol takes over after the
   * heartbeat timeout */
  ((Part *)h->parts->pdata[1])->running = FALSE;
  hub_run (h, 20000);
  e3 = check_agreement (h);
  fail_unless (e3 > e2);
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[3])->kx), "carol");
  GST_INFO ("handover epochs %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
            " %" G_GUINT64_FORMAT ", codes %s / %s",
      e1, e2, e3, code1, code2);
  g_free (code1);
  g_free (code2);
  hub_free (h);
}

GST_END_TEST;

/* Everybody of the roster vanishes at once (a network loss: they come back
 * under new ids while the server still holds the instance). The newcomers
 * get the whole history, are told the old ones are gone, and the first of
 * them to announce leads, as at meeting start. */
GST_START_TEST (test_orphaned_instance)
{
  Hub *h = hub_new ();
  Part *a, *b, *c, *d;
  gchar *code1, *code2;
  guint64 e1, e2;

  a = hub_join (h, "alice");
  b = hub_join (h, "bob");
  hub_run (h, 5000);
  e1 = check_agreement (h);
  code1 = gst_e2ee_kx_get_security_code (a->kx);
  a->running = FALSE;
  b->running = FALSE;
  c = hub_join (h, "carol");
  d = hub_join (h, "dave");
  hub_run (h, 6000);
  /* nobody leads yet: the roster's members might still be there */
  fail_if (gst_e2ee_kx_is_leader (c->kx) || gst_e2ee_kx_is_leader (d->kx));
  for (guint i = 0; i < 2; i++) {
    gst_e2ee_kx_peer_gone (c->kx, i ? "bob" : "alice", h->now);
    gst_e2ee_kx_peer_gone (d->kx, i ? "bob" : "alice", h->now);
  }
  hub_run (h, 12000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless (gst_e2ee_kx_is_leader (c->kx));
  fail_unless_equals_string (gst_e2ee_kx_get_leader (d->kx), "carol");
  code2 = gst_e2ee_kx_get_security_code (d->kx);
  fail_if (g_strcmp0 (code1, code2) == 0);
  check_media (c, d);
  check_media (d, c);
  g_free (code1);
  g_free (code2);
  hub_free (h);
}

GST_END_TEST;

/* ---------------------------------------------------- adversarial channel */

static GstE2eeMsgType
msg_type (GBytes *b)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  return n > 1 ? d[1] : 0;
}

static guint
total (Hub *h, gsize offset)
{
  guint sum = 0;
  for (guint i = 0; i < h->parts->len; i++)
    sum += G_STRUCT_MEMBER (guint, h->parts->pdata[i], offset);
  return sum;
}

static Hub *
meeting_of (guint n)
{
  Hub *h = hub_new ();
  const gchar *ids[] = { "alice", "bob", "carol", "dave", "erin" };

  for (guint i = 0; i < n; i++)
    hub_join (h, ids[i]);
  return h;
}

static GBytes *
flip_keys (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  gsize n;
  guint8 *d;

  if (msg_type (msg) != GST_E2EE_MSG_KEYS || g_strcmp0 (to->id, "bob") != 0)
    return g_bytes_ref (msg);
  d = (guint8 *)g_bytes_get_data (msg, &n);
  d = g_memdup2 (d, n);
  d[n / 2] ^= 0x04;
  return g_bytes_new_take (d, n);
}

/* Tampering: every altered message is rejected and reported; the victim
 * gets no key (denial of service only), the others carry on. */
GST_START_TEST (test_attack_tamper)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1];

  h->filter = flip_keys;
  hub_run (h, 6000);
  fail_unless (bob->errors > 0, "tampering not reported");
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (bob->kx), 0);
  fail_unless (bob->missing > 0, "bob was not told he misses a key");
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[2])->kx) > 0);
  hub_free (h);
}

GST_END_TEST;

/* Replays from an earlier instance of the same meeting id are rejected and
 * reported; replays inside the instance are ignored (counters, versions and
 * epochs only move forward). */
GST_START_TEST (test_attack_replay)
{
  Hub *old = meeting_of (3), *h;
  guint64 e;

  hub_run (old, 5000);
  h = meeting_of (3);
  hub_run (h, 5000);
  e = check_agreement (h);
  /* the server injects the whole earlier board, then this one again */
  for (guint i = 0; i < old->log->len; i++)
    g_ptr_array_add (h->log, g_bytes_ref (old->log->pdata[i]));
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, errors)), 0);
  hub_pump (h);
  fail_unless (total (h, G_STRUCT_OFFSET (Part, errors)) >= 3 * old->log->len);
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->errors = 0;
  for (guint i = 0, n = h->log->len - old->log->len; i < n; i++)
    g_ptr_array_add (h->log, g_bytes_ref (h->log->pdata[i]));
  hub_run (h, 7000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  hub_free (old);
  hub_free (h);
}

GST_END_TEST;

static GBytes *
drop_keys_for_carol (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  if (msg_type (msg) == GST_E2EE_MSG_KEYS && g_strcmp0 (to->id, "carol") == 0)
    return NULL;
  return g_bytes_ref (msg);
}

/* Dropping: the server withholds keys from carol. The others switch after
 * the ACK timeout; carol is told she misses the key in use. */
GST_START_TEST (test_attack_drop)
{
  Hub *h = meeting_of (3);
  Part *carol = h->parts->pdata[2];

  h->filter = drop_keys_for_carol;
  hub_run (h, 8000);
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[0])->kx) > 0);
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[1])->kx) > 0);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (carol->kx), 0);
  fail_unless (carol->missing > 0);
  hub_free (h);
}

GST_END_TEST;

/* Reordering: KEYS before the ROSTER they were made for is refused and
 * reported; the next rekey heals it. */
static GBytes *
swap_first_roster_keys (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  gboolean *done = data;
  if (!*done && g_strcmp0 (to->id, "bob") == 0 &&
      msg_type (msg) == GST_E2EE_MSG_ROSTER) {
    /* deliver this roster after the following KEYS */
    guint i;
    for (i = to->cursor; i < h->log->len; i++)
      if (msg_type (h->log->pdata[i]) == GST_E2EE_MSG_KEYS)
        break;
    if (i < h->log->len) {
      GBytes *keys = h->log->pdata[i];
      h->log->pdata[i] = g_bytes_ref (msg);
      *done = TRUE;
      return keys; /* the log's reference moves to bob */
    }
  }
  return g_bytes_ref (msg);
}

GST_START_TEST (test_attack_reorder)
{
  Hub *h = meeting_of (2);
  gboolean done = FALSE;
  Part *bob = h->parts->pdata[1];

  h->filter = swap_first_roster_keys;
  h->filter_data = &done;
  hub_run (h, 1200);
  h->filter = NULL;
  hub_run (h, 4000);
  fail_unless (done);
  fail_unless (bob->errors > 0);
  /* a new member makes the leader rekey: bob gets that epoch */
  hub_join (h, "carol");
  hub_run (h, 8000);
  fail_unless (gst_e2ee_kx_get_send_epoch (bob->kx) >= 2);
  hub_free (h);
}

GST_END_TEST;

/* Forging: a participant with its own identity claims leadership, and a
 * message claiming to be the leader is signed with another key: both are
 * rejected and reported; nothing changes. */
GST_START_TEST (test_attack_forge_leader)
{
  Hub *h = meeting_of (3);
  GstE2eeIdentity *mallory = gst_e2ee_identity_new ();
  GstE2eeMsg *m;
  GBytes *b;
  guint64 e;
  guint8 zero[32] = { 0 };

  hub_run (h, 5000);
  e = check_agreement (h);
  /* a heartbeat "from alice" signed by mallory, announcing epoch 99 */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_HEARTBEAT, "room", h->instance, "alice");
  m->counter = 1000000;
  m->epoch = m->send_epoch = 99;
  m->leader_time_ms = G_MAXINT64;
  b = gst_e2ee_msg_encode (m, mallory, NULL);
  g_ptr_array_add (h->log, b);
  gst_e2ee_msg_free (m);
  /* bob's roster, as if bob led, signed by mallory */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_ROSTER, "room", h->instance, "bob");
  m->version = 99;
  gst_e2ee_msg_add_entry (m, 0, "bob", mallory->pk, zero, "bob");
  g_ptr_array_add (h->log, gst_e2ee_msg_encode (m, mallory, NULL));
  gst_e2ee_msg_free (m);
  hub_pump (h);
  fail_unless (total (h, G_STRUCT_OFFSET (Part, errors)) >= 4);
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->errors = 0;
  hub_run (h, 7000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[2])->kx), "alice");
  gst_e2ee_identity_free (mallory);
  hub_free (h);
}

GST_END_TEST;

/* Injection: the server adds a participant of its own. It cannot hide:
 * it is in everybody's leader-signed roster (and, with TOFU, flagged as
 * new). An impersonation of an existing id is a reported conflict. */
GST_START_TEST (test_attack_inject)
{
  Hub *h = meeting_of (3);
  GstE2eeIdentity *mallory = gst_e2ee_identity_new ();
  GstE2eeDhKey *dh = gst_e2ee_dh_key_new ();
  GstE2eeMsg *m;
  GStrv roster;

  hub_run (h, 5000);
  /* "bob" again with mallory's identity */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_ANNOUNCE, "room", h->instance, "bob");
  memcpy (m->identity_key, mallory->pk, 32);
  memcpy (m->dh_key, dh->pk, 32);
  m->display_name = g_strdup ("bob");
  g_ptr_array_add (h->log, gst_e2ee_msg_encode (m, mallory, NULL));
  gst_e2ee_msg_free (m);
  hub_run (h, 6000);
  fail_unless (total (h, G_STRUCT_OFFSET (Part, conflicts)) >= 3);
  roster = gst_e2ee_kx_get_roster (((Part *)h->parts->pdata[0])->kx);
  fail_unless_equals_int (g_strv_length (roster), 3);
  g_strfreev (roster);

  /* a new participant "mallory" */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_ANNOUNCE, "room", h->instance, "mallory");
  memcpy (m->identity_key, mallory->pk, 32);
  memcpy (m->dh_key, dh->pk, 32);
  m->display_name = g_strdup ("totally bob");
  g_ptr_array_add (h->log, gst_e2ee_msg_encode (m, mallory, NULL));
  gst_e2ee_msg_free (m);
  hub_run (h, 9000);
  for (guint i = 0; i < h->parts->len; i++) {
    roster = gst_e2ee_kx_get_roster (((Part *)h->parts->pdata[i])->kx);
    fail_unless (g_strv_contains ((const gchar *const *)roster, "mallory"));
    g_strfreev (roster);
  }
  gst_e2ee_dh_key_free (dh);
  gst_e2ee_identity_free (mallory);
  hub_free (h);
}

GST_END_TEST;

/* Different histories: the server splits the meeting in two, {alice,
 * erin} and {bob, carol, dave}, each side told nothing of the other. Bob
 * takes over on his side, alice admits erin on hers: two rosters of the
 * same version. When the views meet again, both sides report the fork. */
static gboolean
on_left_side (const gchar *id)
{
  return g_strcmp0 (id, "alice") == 0 || g_strcmp0 (id, "erin") == 0;
}

static GBytes *
partition (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (msg, &n);
  GstE2eeMsg *m;
  gboolean cross;

  if (!*(gboolean *)data)
    return g_bytes_ref (msg);
  m = gst_e2ee_msg_decode (d, n, NULL);
  cross = m && on_left_side (m->sender_id) != on_left_side (to->id);
  gst_e2ee_msg_free (m);
  return cross ? NULL : g_bytes_ref (msg);
}

GST_START_TEST (test_attack_partition)
{
  Hub *h = meeting_of (4);
  gboolean split = FALSE;

  h->filter = partition;
  h->filter_data = &split;
  hub_run (h, 5000);
  check_agreement (h);
  split = TRUE;
  hub_join (h, "erin");
  hub_run (h, 15000);
  /* two leaders now */
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[2])->kx), "bob");
  fail_unless_equals_string (
      gst_e2ee_kx_get_leader (((Part *)h->parts->pdata[4])->kx), "alice");
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, forks)), 0);
  /* the server stops filtering: both histories reach everybody */
  split = FALSE;
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->cursor = 0;
  hub_pump (h);
  fail_unless (((Part *)h->parts->pdata[0])->forks > 0, "alice saw no fork");
  fail_unless (((Part *)h->parts->pdata[2])->forks > 0, "carol saw no fork");
  hub_free (h);
}

GST_END_TEST;

/* Malformed messages of every type (truncated, trailing bytes, bad
 * version, a length field past the end, a flipped signature) are each
 * rejected with an error, and the meeting carries on unchanged. */
GST_START_TEST (test_malformed_every_type)
{
  Hub *h = meeting_of (3);
  GBytes *sample[GST_E2EE_MSG_LEAVE + 1] = { NULL };
  guint injected = 0, errors;
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  gst_e2ee_kx_leave (((Part *)h->parts->pdata[2])->kx, h->now);
  ((Part *)h->parts->pdata[2])->running = FALSE;
  hub_run (h, 8000);
  e = check_agreement (h);
  for (guint i = 0; i < h->log->len; i++) {
    GstE2eeMsgType t = msg_type (h->log->pdata[i]);
    if (t >= 1 && t <= GST_E2EE_MSG_LEAVE && !sample[t])
      sample[t] = h->log->pdata[i];
  }
  for (guint t = 1; t <= GST_E2EE_MSG_LEAVE; t++) {
    gsize n;
    const guint8 *d;
    fail_unless (
        sample[t] != NULL, "no %s on the board", gst_e2ee_msg_type_name (t));
    d = g_bytes_get_data (sample[t], &n);
    for (guint v = 0; v < 5; v++) {
      guint8 *x = g_malloc (n + 1);
      gsize len = n;
      memcpy (x, d, n);
      switch (v) {
        case 0:
          len = n / 2; /* truncated */
          break;
        case 1:
          x[n] = 0; /* trailing byte */
          len = n + 1;
          break;
        case 2:
          x[0] = 2; /* unknown version */
          break;
        case 3:
          x[2] = 0xff; /* meeting id length past the end */
          x[3] = 0xff;
          break;
        case 4:
          x[n - 1] ^= 1; /* signature */
          break;
      }
      g_ptr_array_add (h->log, g_bytes_new_take (x, len));
      injected++;
    }
  }
  hub_pump (h);
  errors = total (h, G_STRUCT_OFFSET (Part, errors));
  /* two running participants, each reports every injected message */
  fail_unless_equals_int (errors, 2 * injected);
  for (guint i = 0; i < h->parts->len; i++)
    ((Part *)h->parts->pdata[i])->errors = 0;
  hub_run (h, 10000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  hub_free (h);
}

GST_END_TEST;

/* Members refresh their liveness nonce periodically, and a rekey long
 * after the last one still reaches everybody (boxes bound to fresh
 * nonces). */
GST_START_TEST (test_liveness)
{
  Hub *h = meeting_of (3);
  guint before;
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  before = h->log->len;
  hub_run (h, 130000);
  {
    guint acks = 0;
    for (guint i = before; i < h->log->len; i++)
      acks += msg_type (h->log->pdata[i]) == GST_E2EE_MSG_ACK;
    /* two members, a fresh nonce every 60 s over 125 s */
    fail_unless (acks >= 4, "%u liveness ACKs", acks);
  }
  hub_join (h, "dave");
  hub_run (h, 135000);
  fail_unless (check_agreement (h) > e);
  hub_free (h);
}

GST_END_TEST;

/* Delaying: the server holds everything for bob for 4 s (longer than the
 * ACK timeout, shorter than the heartbeat timeout). The others switch to
 * the new epoch without him; when the messages arrive, bob catches up. */
GST_START_TEST (test_attack_delay)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1];
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  bob->running = FALSE;
  hub_join (h, "dave");
  hub_run (h, 9000);
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[0])->kx) > e);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_send_epoch (bob->kx), e);
  bob->running = TRUE;
  hub_run (h, 11000);
  fail_unless (check_agreement (h) > e);
  hub_free (h);
}

GST_END_TEST;

/* ------------------------------------------ what an ordered channel suffers */

static gchar *
msg_sender (GBytes *b)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (b, &n);
  GstE2eeMsg *m = gst_e2ee_msg_decode (d, n, NULL);
  gchar *s = m ? g_strdup (m->sender_id) : NULL;

  gst_e2ee_msg_free (m);
  return s;
}

static gboolean
is_from (GBytes *b, GstE2eeMsgType type, const gchar *sender)
{
  gchar *s;
  gboolean yes;

  if (msg_type (b) != type)
    return FALSE;
  s = msg_sender (b);
  yes = g_strcmp0 (s, sender) == 0;
  g_free (s);
  return yes;
}

static void
reset_counts (Hub *h)
{
  for (guint i = 0; i < h->parts->len; i++) {
    Part *p = h->parts->pdata[i];
    p->errors = p->forks = p->missing = p->blamed = p->unverified = 0;
  }
}

typedef struct
{
  const gchar *to; /* whose deliveries are changed */
  guint every; /* drop one heartbeat in every (0: none) */
  guint seen;
  guint dropped;
  GBytes *held; /* a heartbeat held back (reordering) */
  guint swaps;
} HbFault;

/* Drops one of every `every` heartbeats for `to`. */
static GBytes *
drop_heartbeats (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  HbFault *f = data;

  if (msg_type (msg) != GST_E2EE_MSG_HEARTBEAT ||
      g_strcmp0 (to->id, f->to) != 0)
    return g_bytes_ref (msg);
  if (f->every && ++f->seen % f->every == 0) {
    f->dropped++;
    return NULL;
  }
  return g_bytes_ref (msg);
}

/* Swaps pairs of heartbeats for `to`: the first of a pair is held back and
 * delivered after the second. */
static GBytes *
swap_heartbeats (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  HbFault *f = data;

  if (msg_type (msg) != GST_E2EE_MSG_HEARTBEAT ||
      g_strcmp0 (to->id, f->to) != 0)
    return g_bytes_ref (msg);
  if (!f->held) {
    f->held = g_bytes_ref (msg);
    return NULL;
  }
  /* deliver the newer one now, the held one right after it (by putting it
   * back in the log just past the reader's cursor) */
  g_ptr_array_insert (h->log, to->cursor, f->held);
  for (guint i = 0; i < h->parts->len; i++) {
    Part *p = h->parts->pdata[i];
    if (p != to && p->cursor >= to->cursor)
      p->cursor++; /* the others do not see it twice */
  }
  f->held = NULL;
  f->swaps++;
  return g_bytes_ref (msg);
}

/* Heartbeats dropped for bob (one in three, for 30 s: three times the
 * heartbeat timeout) are no fork and change no leader: the chain goes on
 * from the next signed heartbeat. */
GST_START_TEST (test_heartbeat_dropped)
{
  Hub *h = meeting_of (3);
  Part *a = h->parts->pdata[0], *bob = h->parts->pdata[1];
  HbFault f = { "bob", 3 };
  gchar *code;
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  code = gst_e2ee_kx_get_security_code (bob->kx);
  h->filter = drop_heartbeats;
  h->filter_data = &f;
  hub_run (h, 35000);
  fail_unless (f.dropped >= 15, "%u heartbeats dropped", f.dropped);
  fail_unless_equals_int (bob->forks, 0);
  fail_unless_equals_int (bob->errors, 0);
  fail_unless_equals_int (a->removed, 0);
  fail_unless (gst_e2ee_kx_is_leader (a->kx));
  fail_unless_equals_string (gst_e2ee_kx_get_leader (bob->kx), "alice");
  fail_unless_equals_uint64 (check_agreement (h), e);
  {
    gchar *c = gst_e2ee_kx_get_security_code (bob->kx);
    fail_unless_equals_string (c, code);
    g_free (c);
  }
  /* and a rekey still reaches him */
  hub_join (h, "dave");
  hub_run (h, 40000);
  fail_unless (check_agreement (h) > e);
  check_media (a, bob);
  g_free (code);
  hub_free (h);
}

GST_END_TEST;

/* Heartbeats reordered for bob (every pair swapped for 30 s) are no fork
 * and change no leader. */
GST_START_TEST (test_heartbeat_reordered)
{
  Hub *h = meeting_of (3);
  Part *a = h->parts->pdata[0], *bob = h->parts->pdata[1];
  HbFault f = { "bob", 0 };
  guint64 e;

  hub_run (h, 5000);
  e = check_agreement (h);
  h->filter = swap_heartbeats;
  h->filter_data = &f;
  hub_run (h, 35000);
  h->filter = NULL;
  if (f.held)
    g_bytes_unref (f.held);
  fail_unless (f.swaps >= 20, "%u swaps", f.swaps);
  fail_unless_equals_int (bob->forks, 0);
  fail_unless_equals_int (bob->errors, 0);
  fail_unless_equals_int (a->removed, 0);
  fail_unless_equals_string (gst_e2ee_kx_get_leader (bob->kx), "alice");
  hub_run (h, 37000);
  fail_unless_equals_uint64 (check_agreement (h), e);
  hub_free (h);
}

GST_END_TEST;

/* The leader's key signs two different heartbeats with the same counter
 * (what a leader forking the meeting would do): a fork, for everybody. */
GST_START_TEST (test_heartbeat_conflict)
{
  Hub *h = meeting_of (3);
  Part *a = h->parts->pdata[0];
  GBytes *last = NULL, *b;
  GstE2eeMsg *m;
  gsize n;
  const guint8 *d;

  hub_run (h, 5000);
  check_agreement (h);
  for (guint i = 0; i < h->log->len; i++)
    if (msg_type (h->log->pdata[i]) == GST_E2EE_MSG_HEARTBEAT)
      last = h->log->pdata[i];
  fail_unless (last != NULL);
  d = g_bytes_get_data (last, &n);
  m = gst_e2ee_msg_decode (d, n, NULL);
  fail_unless (m != NULL);
  m->leader_time_ms += 1; /* same counter, other content */
  b = gst_e2ee_msg_encode (m, a->identity, NULL);
  fail_unless (b != NULL);
  g_ptr_array_add (h->log, b);
  gst_e2ee_msg_free (m);
  hub_pump (h);
  for (guint i = 1; i < 3; i++) {
    Part *p = h->parts->pdata[i];
    fail_unless_equals_int (p->forks, 1);
    fail_unless_equals_int (p->errors, 0);
  }
  hub_free (h);
}

GST_END_TEST;

/* A replayed ACK of bob, older than his two newest nonces, is ignored: the
 * leader's next key box is bound to bob's newest nonce and opens. A
 * replayed ANNOUNCE of a participant that left changes nothing either. */
GST_START_TEST (test_replayed_ack)
{
  Hub *h = meeting_of (2);
  Part *bob = h->parts->pdata[1];
  GBytes *oldest = NULL;
  guint acks = 0;
  guint64 e;

  hub_run (h, 3000);
  hub_join (h, "carol");
  hub_run (h, 6000);
  hub_join (h, "dave");
  hub_run (h, 9000);
  e = check_agreement (h);
  for (guint i = 0; i < h->log->len; i++)
    if (is_from (h->log->pdata[i], GST_E2EE_MSG_ACK, "bob")) {
      if (!oldest)
        oldest = h->log->pdata[i];
      acks++;
    }
  fail_unless (acks >= 3, "bob sent %u ACKs", acks);
  g_ptr_array_add (h->log, g_bytes_ref (oldest));
  hub_pump (h);
  hub_join (h, "erin");
  hub_run (h, 12000);
  fail_unless (check_agreement (h) > e); /* no errors, bob included */
  fail_unless_equals_int (bob->missing, 0);
  check_media (bob, h->parts->pdata[4]);
  check_media (h->parts->pdata[4], bob);

  /* dave leaves; his replayed ANNOUNCE does not bring him back */
  {
    Part *dave = h->parts->pdata[3];
    GBytes *ann = NULL;
    GStrv r;
    gst_e2ee_kx_leave (dave->kx, h->now);
    dave->running = FALSE;
    hub_run (h, 15000);
    e = check_agreement (h);
    for (guint i = 0; i < h->log->len; i++)
      if (is_from (h->log->pdata[i], GST_E2EE_MSG_ANNOUNCE, "dave"))
        ann = h->log->pdata[i];
    fail_unless (ann != NULL);
    g_ptr_array_add (h->log, g_bytes_ref (ann));
    hub_run (h, 18000);
    fail_unless_equals_uint64 (check_agreement (h), e);
    r = gst_e2ee_kx_get_roster (bob->kx);
    fail_if (g_strv_contains ((const gchar *const *)r, "dave"));
    g_strfreev (r);
  }
  hub_free (h);
}

GST_END_TEST;

static GBytes *
hide_bob_from_alice (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  if (g_strcmp0 (to->id, "alice") == 0 &&
      is_from (msg, GST_E2EE_MSG_ANNOUNCE, "bob"))
    return NULL;
  return g_bytes_ref (msg);
}

/* The leader never sees bob's ANNOUNCE: bob is told he is left out, within
 * a heartbeat timeout or two (5 s here), and nobody else is. */
GST_START_TEST (test_excluded)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1];
  GStrv roster;

  h->filter = hide_bob_from_alice;
  hub_run (h, 4000);
  fail_unless_equals_int (bob->excluded, 0);
  hub_run (h, 10000);
  fail_unless_equals_int (bob->excluded, 1);
  fail_unless_equals_int (((Part *)h->parts->pdata[0])->excluded +
          ((Part *)h->parts->pdata[2])->excluded,
      0);
  roster = gst_e2ee_kx_get_roster (bob->kx);
  fail_if (g_strv_contains ((const gchar *const *)roster, "bob"));
  g_strfreev (roster);
  /* the others go on; bob holds no key and shows no code */
  fail_unless (
      gst_e2ee_kx_get_send_epoch (((Part *)h->parts->pdata[2])->kx) > 0);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (bob->kx), 0);
  fail_unless (gst_e2ee_kx_get_security_code (bob->kx) == NULL);
  hub_run (h, 20000);
  fail_unless_equals_int (bob->excluded, 1); /* told once */
  hub_free (h);
}

GST_END_TEST;

static GBytes *
drop_keys_for_dave (Hub *h, Part *to, GBytes *msg, gpointer data)
{
  if (msg_type (msg) == GST_E2EE_MSG_KEYS && g_strcmp0 (to->id, "dave") == 0)
    return NULL;
  return g_bytes_ref (msg);
}

/* A late joiner sees heartbeats of epochs made before it joined: no
 * missing-key for those. When its own box is withheld it is told. */
GST_START_TEST (test_missing_key_only_when_missing)
{
  Hub *h = meeting_of (3);
  Part *dave;

  hub_run (h, 5000);
  check_agreement (h);
  dave = hub_join (h, "dave");
  hub_run (h, 10000);
  check_agreement (h);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  /* and once more with the leader's periodic rekey cycle on a busy board */
  hub_join (h, "erin");
  hub_run (h, 15000);
  check_agreement (h);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  (void)dave;
  hub_free (h);

  /* withheld */
  h = meeting_of (3);
  hub_run (h, 5000);
  h->filter = drop_keys_for_dave;
  dave = hub_join (h, "dave");
  hub_run (h, 10000);
  fail_unless_equals_uint64 (gst_e2ee_kx_get_epoch (dave->kx), 0);
  fail_unless_equals_int (dave->missing, 1);
  fail_unless (gst_e2ee_kx_get_index (dave->kx) >= 0);
  hub_free (h);
}

GST_END_TEST;

/* A forged copy of bob's message (signed by someone else, or with its
 * signature broken) is reported, but not as bob's doing: the sender claim
 * is unverified. A bad message bob really signed names bob. */
GST_START_TEST (test_blame)
{
  Hub *h = meeting_of (3);
  GstE2eeIdentity *mallory = gst_e2ee_identity_new ();
  GBytes *ack = NULL, *forged;
  GstE2eeMsg *m;
  gsize n;
  const guint8 *d;
  guint8 *x;

  hub_run (h, 5000);
  check_agreement (h);
  for (guint i = 0; i < h->log->len; i++)
    if (is_from (h->log->pdata[i], GST_E2EE_MSG_ACK, "bob"))
      ack = h->log->pdata[i];
  fail_unless (ack != NULL);
  d = g_bytes_get_data (ack, &n);
  /* re-signed by mallory */
  m = gst_e2ee_msg_decode (d, n, NULL);
  m->counter += 100;
  forged = gst_e2ee_msg_encode (m, mallory, NULL);
  gst_e2ee_msg_free (m);
  g_ptr_array_add (h->log, forged);
  /* a flipped signature */
  x = g_memdup2 (d, n);
  x[n - 1] ^= 1;
  g_ptr_array_add (h->log, g_bytes_new_take (x, n));
  hub_pump (h);
  for (guint i = 0; i < 3; i++) {
    Part *p = h->parts->pdata[i];
    fail_unless_equals_int (p->unverified, 2);
    fail_unless_equals_int (p->blamed, 0);
    fail_unless_equals_string (p->last_claim, "bob");
  }
  reset_counts (h);

  /* bob (really) signs a KEYS while he does not lead */
  m = gst_e2ee_msg_new (GST_E2EE_MSG_KEYS, "room", h->instance, "bob");
  m->epoch = 50;
  g_ptr_array_add (h->log,
      gst_e2ee_msg_encode (m, ((Part *)h->parts->pdata[1])->identity, NULL));
  gst_e2ee_msg_free (m);
  hub_pump (h);
  for (guint i = 0; i < 3; i += 2) {
    Part *p = h->parts->pdata[i];
    fail_unless_equals_int (p->blamed, 1);
    fail_unless_equals_string (p->last_blamed, "bob");
  }
  gst_e2ee_identity_free (mallory);
  hub_free (h);
}

GST_END_TEST;

/* The board keeps only each author's newest message of each type (the
 * server's slots): a late joiner is keyed in from that, also after the
 * leader handed over, and the others carry on. */
GST_START_TEST (test_superseding_board)
{
  Hub *h = hub_new ();
  Part *a, *d, *e;
  guint64 e1;

  h->supersede = TRUE;
  a = hub_join (h, "alice");
  hub_join (h, "bob");
  hub_join (h, "carol");
  hub_run (h, 5000);
  /* some history: rekeys, liveness ACKs */
  for (gint64 t = 5000; t < 20000; t += 2500) {
    gst_e2ee_kx_peer_gone (a->kx, "nobody", h->now);
    hub_run (h, t);
  }
  e1 = check_agreement (h);
  d = hub_join (h, "dave");
  hub_run (h, 25000);
  fail_unless (check_agreement (h) > e1);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  check_media (d, a);
  check_media (a, d);

  /* alice leaves: bob leads; then erin joins late */
  gst_e2ee_kx_leave (a->kx, h->now);
  a->running = FALSE;
  hub_run (h, 30000);
  e1 = check_agreement (h);
  fail_unless_equals_string (gst_e2ee_kx_get_leader (d->kx), "bob");
  e = hub_join (h, "erin");
  hub_run (h, 35000);
  fail_unless (check_agreement (h) > e1);
  fail_unless_equals_string (gst_e2ee_kx_get_leader (e->kx), "bob");
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  check_media (e, d);
  check_media (d, e);
  fail_unless (h->superseded > 0);
  /* at most one message per author and type */
  fail_unless (
      h->log->len <= 6 * h->parts->len, "%u on the board", h->log->len);
  hub_free (h);
}

GST_END_TEST;

/* A week of heartbeats and periodic rekeys (simulated: heartbeat every
 * 120 s, rekey every hour, a fresh nonce every 30 min, 10 s steps) through
 * the superseding board: the board stays under a fixed bound, and
 * everybody stays keyed in; a joiner at the end is keyed in too. */
GST_START_TEST (test_week)
{
  Hub *h = hub_new ();
  const gint64 hour = 3600 * 1000, week = 7 * 24 * hour;
  guint max_len = 0;
  gsize max_bytes = 0;
  guint64 e;

  h->supersede = TRUE;
  h->step_ms = 10000;
  h->cfg.heartbeat_ms = 120000;
  h->cfg.rekey_interval_ms = (guint)hour;
  h->cfg.liveness_ms = 30 * 60 * 1000;
  h->cfg.grace_ms = 5000;
  hub_join (h, "alice");
  hub_join (h, "bob");
  hub_join (h, "carol");
  for (gint64 t = hour; t <= week; t += hour) {
    hub_run (h, t);
    max_len = MAX (max_len, h->log->len);
    max_bytes = MAX (max_bytes, hub_bytes (h));
    /* 3 authors, at most one message of each of 6 types */
    fail_unless (h->log->len <= 18, "%u messages on the board", h->log->len);
    fail_unless (
        hub_bytes (h) <= 18 * 1024, "%zu bytes on the board", hub_bytes (h));
    if (t % (24 * hour) == 0)
      check_agreement (h);
  }
  e = check_agreement (h);
  fail_unless (e >= 7 * 24, "epoch %" G_GUINT64_FORMAT " after a week", e);
  hub_join (h, "dave");
  hub_run (h, week + 10 * 60 * 1000);
  fail_unless (check_agreement (h) > e);
  check_media (h->parts->pdata[3], h->parts->pdata[0]);
  GST_INFO ("a week: epoch %" G_GUINT64_FORMAT ", board at most %u messages, "
            "%zu bytes; %u superseded",
      e, max_len, max_bytes, h->superseded);
  fail_unless_equals_int (total (h, G_STRUCT_OFFSET (Part, missing)), 0);
  hub_free (h);
}

GST_END_TEST;

/* The meeting-restart picture (issue 9, item 10): the server stalls; bob's
 * connection p2 takes alice's p1 for gone and leads alone, and its roster
 * reaches the board when the server wakes up. Both come back under new ids
 * while the server still lists the dead ones; each is told only that its
 * own earlier id is gone. They end up in one meeting of just the two new
 * ids, keyed, and nobody's security code ever changes without its send
 * epoch. Both orders of rejoining. */
static void
rejoin_after_stall (gboolean alice_first)
{
  Hub *h = hub_new ();
  Part *p1, *p2, *nb, *na;
  gchar *code[2] = { NULL, NULL };
  guint64 ep[2] = { 0, 0 };

  p1 = hub_join (h, "p1");
  p2 = hub_join (h, "p2");
  hub_run (h, 5000);
  check_agreement (h);
  p1->running = FALSE;
  gst_e2ee_kx_peer_gone (p2->kx, "p1", h->now);
  hub_run (h, 6000);
  fail_unless (gst_e2ee_kx_is_leader (p2->kx));
  p2->running = FALSE;
  if (alice_first) {
    na = hub_join (h, "p3");
    gst_e2ee_kx_peer_gone (na->kx, "p1", h->now);
    nb = hub_join (h, "p4");
    gst_e2ee_kx_peer_gone (nb->kx, "p2", h->now);
  } else {
    nb = hub_join (h, "p3");
    gst_e2ee_kx_peer_gone (nb->kx, "p2", h->now);
    na = hub_join (h, "p4");
    gst_e2ee_kx_peer_gone (na->kx, "p1", h->now);
  }
  while (h->now < 30000) {
    hub_run (h, h->now + STEP_MS);
    for (guint i = 0; i < 2; i++) {
      Part *p = i ? na : nb;
      gchar *c = gst_e2ee_kx_get_security_code (p->kx);
      guint64 e = gst_e2ee_kx_get_send_epoch (p->kx);
      if (g_strcmp0 (c, code[i]) != 0)
        fail_unless (e != ep[i], "%s: code changed at epoch %" G_GUINT64_FORMAT,
            p->id, e);
      g_free (code[i]);
      code[i] = c;
      ep[i] = e;
    }
  }
  check_agreement (h);
  for (guint i = 0; i < 2; i++) {
    GStrv r = gst_e2ee_kx_get_roster ((i ? na : nb)->kx);
    fail_unless_equals_int (g_strv_length (r), 2);
    fail_unless (g_strv_contains ((const gchar *const *)r, "p3"));
    fail_unless (g_strv_contains ((const gchar *const *)r, "p4"));
    g_strfreev (r);
    g_free (code[i]);
  }
  fail_unless_equals_int (na->missing + nb->missing, 0);
  check_media (na, nb);
  check_media (nb, na);
  hub_free (h);
}

GST_START_TEST (test_rejoin_after_stall)
{
  rejoin_after_stall (FALSE);
  rejoin_after_stall (TRUE);
}

GST_END_TEST;

/* A participant that rejoins while the others stay: its earlier id leaves
 * the roster at once (it is told that id is gone), and after everybody
 * else left it leads over itself alone, not over its dead ids. */
GST_START_TEST (test_own_earlier_id_leaves)
{
  Hub *h = meeting_of (3);
  Part *bob = h->parts->pdata[1], *bob2;
  GStrv r;

  hub_run (h, 5000);
  check_agreement (h);
  bob->running = FALSE; /* his connection died; the server still lists it */
  bob2 = hub_join (h, "bob2");
  gst_e2ee_kx_peer_gone (bob2->kx, "bob", h->now);
  hub_run (h, 8000);
  /* the leader still has bob (nobody told it otherwise) */
  check_agreement (h);
  gst_e2ee_kx_leave (((Part *)h->parts->pdata[0])->kx, h->now);
  ((Part *)h->parts->pdata[0])->running = FALSE;
  gst_e2ee_kx_leave (((Part *)h->parts->pdata[2])->kx, h->now);
  ((Part *)h->parts->pdata[2])->running = FALSE;
  hub_run (h, 12000);
  fail_unless (gst_e2ee_kx_is_leader (bob2->kx));
  r = gst_e2ee_kx_get_roster (bob2->kx);
  fail_unless_equals_int (g_strv_length (r), 1);
  fail_unless_equals_string (r[0], "bob2");
  g_strfreev (r);
  fail_unless (gst_e2ee_kx_get_send_epoch (bob2->kx) > 0);
  hub_free (h);
}

GST_END_TEST;

static Suite *
kx_suite (void)
{
  Suite *s = suite_create ("kx");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_two);
  tcase_add_test (tc, test_three);
  tcase_add_test (tc, test_ten);
  tcase_add_test (tc, test_fifty);
  tcase_add_test (tc, test_join_leave_forward_secrecy);
  tcase_add_test (tc, test_leader_handover);
  tcase_add_test (tc, test_orphaned_instance);
  tcase_add_test (tc, test_attack_tamper);
  tcase_add_test (tc, test_attack_replay);
  tcase_add_test (tc, test_attack_drop);
  tcase_add_test (tc, test_attack_reorder);
  tcase_add_test (tc, test_attack_forge_leader);
  tcase_add_test (tc, test_attack_inject);
  tcase_add_test (tc, test_attack_partition);
  tcase_add_test (tc, test_attack_delay);
  tcase_add_test (tc, test_malformed_every_type);
  tcase_add_test (tc, test_liveness);
  tcase_add_test (tc, test_heartbeat_dropped);
  tcase_add_test (tc, test_heartbeat_reordered);
  tcase_add_test (tc, test_heartbeat_conflict);
  tcase_add_test (tc, test_replayed_ack);
  tcase_add_test (tc, test_excluded);
  tcase_add_test (tc, test_missing_key_only_when_missing);
  tcase_add_test (tc, test_blame);
  tcase_add_test (tc, test_superseding_board);
  tcase_add_test (tc, test_week);
  tcase_add_test (tc, test_rejoin_after_stall);
  tcase_add_test (tc, test_own_earlier_id_leaves);
  return s;
}

GST_CHECK_MAIN (kx);
