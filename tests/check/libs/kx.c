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
  E2eeIdentity *identity;
  GstE2eeKeyring *keyring;
  E2eeKx *kx;
  guint cursor; /* next log entry to deliver */
  gboolean running; /* crashed participants stop */
  guint errors;
  guint forks;
} Part;

struct _Hub
{
  GPtrArray *log; /* GBytes, the bulletin board */
  GPtrArray *parts;
  GBytes *instance;
  gint64 now;
};

static void
on_send (E2eeKx *kx, GBytes *msg, gpointer user_data)
{
  Part *p = user_data;
  g_ptr_array_add (p->hub->log, g_bytes_ref (msg));
}

static void
on_event (E2eeKx *kx, GstStructure *ev, gpointer user_data)
{
  Part *p = user_data;

  if (gst_structure_has_name (ev, "keyexchange-error")) {
    GST_INFO ("%s: %" GST_PTR_FORMAT, p->id, ev);
    p->errors++;
  }
  if (gst_structure_has_name (ev, "keyexchange-fork"))
    p->forks++;
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
  return h;
}

static Part *
hub_join (Hub *h, const gchar *id)
{
  Part *p = g_new0 (Part, 1);
  E2eeKxConfig cfg = { 0 };
  E2eeKxCallbacks cb = { on_send, on_event };

  p->hub = h;
  p->id = g_strdup (id);
  p->identity = e2ee_identity_new ();
  p->keyring = gst_e2ee_keyring_new ("room");
  cfg.meeting_id = "room";
  cfg.instance = h->instance;
  cfg.participant_id = id;
  cfg.display_name = id;
  cfg.heartbeat_ms = 500;
  cfg.grace_ms = 1000;
  p->kx = e2ee_kx_new (&cfg, p->identity, p->keyring, &cb, p);
  p->running = TRUE;
  g_ptr_array_add (h->parts, p);
  e2ee_kx_start (p->kx, h->now);
  return p;
}

static void
part_free (Part *p)
{
  e2ee_kx_free (p->kx);
  gst_object_unref (p->keyring);
  e2ee_identity_free (p->identity);
  g_free (p->id);
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
        const guint8 *d = g_bytes_get_data (b, &n);
        e2ee_kx_receive (p->kx, d, n, h->now);
        more = TRUE;
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
        e2ee_kx_tick (p->kx, h->now);
    }
    hub_pump (h);
    h->now += STEP_MS;
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
    if (!p->running || !e2ee_kx_get_leader (p->kx))
      continue;
    c = e2ee_kx_get_security_code (p->kx);
    if (!ref) {
      ref = p;
      epoch = e2ee_kx_get_send_epoch (p->kx);
      code = c;
      fail_unless (epoch > 0, "%s sends with no epoch", p->id);
      continue;
    }
    fail_unless_equals_string (
        e2ee_kx_get_leader (p->kx), e2ee_kx_get_leader (ref->kx));
    fail_unless_equals_uint64 (e2ee_kx_get_send_epoch (p->kx), epoch);
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
    kid = e2ee_media_kid (epoch, (guint16)e2ee_kx_get_index (a->kx));
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
  GstContext *ca = gst_context_new_e2ee_keyring (a->keyring, TRUE);
  GstContext *cb = gst_context_new_e2ee_keyring (b->keyring, TRUE);
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
  roster = e2ee_kx_get_roster (((Part *)h->parts->pdata[n - 1])->kx);
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
  e2ee_kx_leave (c->kx, h->now);
  c->running = FALSE;
  e2ee_kx_peer_gone (a->kx, "dave", h->now);
  e2ee_kx_peer_gone (b->kx, "dave", h->now);
  d->running = FALSE;
  hub_run (h, 10000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless_equals_int (gst_e2ee_keyring_get_n_keys (c->keyring), 0);
  for (guint16 i = 0; i < 8; i++) {
    fail_unless (gst_e2ee_keyring_lookup (d->keyring, e2ee_media_kid (e2, i),
                     GST_E2EE_KEY_RECEIVE) == NULL);
    fail_unless (gst_e2ee_keyring_lookup (d->keyring, e2ee_media_kid (e2, i),
                     GST_E2EE_KEY_SEND) == NULL);
  }

  /* a late joiner, given the whole board, gets only the new epoch */
  e = hub_join (h, "erin");
  hub_run (h, 15000);
  e3 = check_agreement (h);
  fail_unless (e3 > e2);
  for (guint64 ep = 1; ep < e3; ep++)
    for (guint16 i = 0; i < 8; i++)
      fail_unless (gst_e2ee_keyring_lookup (e->keyring, e2ee_media_kid (ep, i),
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
  fail_unless (e2ee_kx_is_leader (a->kx));
  code1 = e2ee_kx_get_security_code (a->kx);

  e2ee_kx_leave (a->kx, h->now);
  a->running = FALSE;
  hub_run (h, 10000);
  e2 = check_agreement (h);
  fail_unless (e2 > e1);
  fail_unless_equals_string (
      e2ee_kx_get_leader (((Part *)h->parts->pdata[1])->kx), "bob");
  code2 = e2ee_kx_get_security_code (((Part *)h->parts->pdata[2])->kx);
  fail_if (g_strcmp0 (code1, code2) == 0);

  /* bob crashes: no LEAVE, no heartbeat; carol takes over after the
   * heartbeat timeout */
  ((Part *)h->parts->pdata[1])->running = FALSE;
  hub_run (h, 20000);
  e3 = check_agreement (h);
  fail_unless (e3 > e2);
  fail_unless_equals_string (
      e2ee_kx_get_leader (((Part *)h->parts->pdata[3])->kx), "carol");
  GST_INFO ("handover epochs %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
            " %" G_GUINT64_FORMAT ", codes %s / %s",
      e1, e2, e3, code1, code2);
  g_free (code1);
  g_free (code2);
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
  return s;
}

GST_CHECK_MAIN (kx);
