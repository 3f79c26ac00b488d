/* keyexchange elements talking over an in-memory channel.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "../kx-media.h"
#include "gste2eekeyring.h"

#define INSTANCE "00112233445566778899aabbccddeeff"

/* The channel: every message goes to every element, the author included,
 * in one global order (the lock keeps deliveries ordered). */
typedef struct
{
  GMutex lock;
  GPtrArray *members;
  guint delivered;
} Channel;

static void
on_send (GstElement *kx, GBytes *msg, Channel *ch)
{
  g_mutex_lock (&ch->lock);
  for (guint i = 0; i < ch->members->len; i++)
    g_signal_emit_by_name (ch->members->pdata[i], "receive-message", msg);
  ch->delivered++;
  g_mutex_unlock (&ch->lock);
}

static GstElement *
member (Channel *ch, const gchar *id, const gchar *instance,
    const gchar *identity_file, const gchar *known)
{
  GstElement *kx = gst_element_factory_make ("keyexchange", id);

  g_object_set (kx, "participant-id", id, "display-name", id, "meeting-id",
      "room", "instance", instance, "heartbeat-interval", 500, "identity-file",
      identity_file, "known-identities", known, NULL);
  g_signal_connect (kx, "send-message", G_CALLBACK (on_send), ch);
  g_mutex_lock (&ch->lock);
  g_ptr_array_add (ch->members, gst_object_ref (kx));
  g_mutex_unlock (&ch->lock);
  return kx;
}

static Channel *
channel_new (void)
{
  Channel *ch = g_new0 (Channel, 1);
  g_mutex_init (&ch->lock);
  ch->members = g_ptr_array_new_with_free_func (gst_object_unref);
  return ch;
}

static void
channel_free (Channel *ch)
{
  for (guint i = 0; i < ch->members->len; i++)
    gst_element_set_state (ch->members->pdata[i], GST_STATE_NULL);
  g_ptr_array_unref (ch->members);
  g_mutex_clear (&ch->lock);
  g_free (ch);
}

/* Waits until every member sends with the same epoch under one leader. */
static guint64
wait_agreement (Channel *ch, guint64 above)
{
  for (guint t = 0; t < 600; t++) {
    guint64 e0 = 0;
    gchar *l0 = NULL;
    gboolean same = TRUE;
    for (guint i = 0; i < ch->members->len && same; i++) {
      guint64 e;
      gchar *l;
      g_object_get (ch->members->pdata[i], "epoch", &e, "leader", &l, NULL);
      if (i == 0) {
        e0 = e;
        l0 = g_strdup (l);
      }
      same = e > above && e == e0 && l && g_strcmp0 (l, l0) == 0;
      g_free (l);
    }
    g_free (l0);
    if (same)
      return e0;
    g_usleep (50 * 1000);
  }
  fail ("no agreement within 30 s");
  return 0;
}

static GstE2eeKeyring *
keyring_of (GstElement *kx)
{
  GstContext *ctx = gst_element_get_context (kx, GST_E2EE_KEYRING_CONTEXT_TYPE);
  GstE2eeKeyring *kr = NULL;

  fail_unless (ctx != NULL);
  fail_unless (gst_e2ee_context_get_keyring (ctx, &kr));
  gst_context_unref (ctx);
  return kr;
}

/* media from a to b through e2eeenc/e2eedec on their keyrings */
static void
check_media (GstElement *a, GstElement *b)
{
  GstE2eeKeyring *ka = keyring_of (a), *kb = keyring_of (b);

  check_keyring_media (ka, kb, GST_OBJECT_NAME (a), GST_OBJECT_NAME (b));
  gst_object_unref (ka);
  gst_object_unref (kb);
}

GST_START_TEST (test_three_elements)
{
  Channel *ch = channel_new ();
  GstElement *m[3];
  gchar *codes[3];
  guint64 e1, e2;
  const gchar *ids[] = { "alice", "bob", "carol" };

  for (guint i = 0; i < 3; i++)
    m[i] = member (ch, ids[i], INSTANCE, NULL, NULL);
  for (guint i = 0; i < 3; i++)
    fail_unless (gst_element_set_state (m[i], GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
  e1 = wait_agreement (ch, 0);
  for (guint i = 0; i < 3; i++)
    g_object_get (m[i], "security-code", &codes[i], NULL);
  fail_unless_equals_string (codes[0], codes[1]);
  fail_unless_equals_string (codes[0], codes[2]);
  fail_unless_equals_int (strlen (codes[0]), 47);
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      if (i != j)
        check_media (m[i], m[j]);

  /* carol leaves: the others move to a new epoch */
  gst_element_set_state (m[2], GST_STATE_NULL);
  g_mutex_lock (&ch->lock);
  g_ptr_array_remove (ch->members, m[2]);
  g_mutex_unlock (&ch->lock);
  e2 = wait_agreement (ch, e1);
  fail_unless (e2 > e1);
  check_media (m[0], m[1]);
  check_media (m[1], m[0]);
  for (guint i = 0; i < 3; i++)
    g_free (codes[i]);
  for (guint i = 0; i < 3; i++)
    gst_object_unref (m[i]);
  channel_free (ch);
}

GST_END_TEST;

static gboolean
find_message (
    GstBus *bus, const gchar *name, const gchar *field, const gchar *value)
{
  GstMessage *msg;
  gboolean found = FALSE;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, name) &&
        (!field || g_strcmp0 (gst_structure_get_string (s, field), value) == 0))
      found = TRUE;
    gst_message_unref (msg);
  }
  return found;
}

/* Trust on first use: bob meets alice once, then an "alice" with another
 * identity key is flagged; the identity file is created with mode 0600. */
GST_START_TEST (test_tofu)
{
  gchar *dir = g_dir_make_tmp ("kx-XXXXXX", NULL);
  gchar *alice_id = g_build_filename (dir, "alice.key", NULL);
  gchar *alice_id2 = g_build_filename (dir, "alice2.key", NULL);
  gchar *known = g_build_filename (dir, "bob.known", NULL);
  GStatBuf st;

  for (guint round = 0; round < 2; round++) {
    Channel *ch = channel_new ();
    const gchar *inst =
        round == 0 ? INSTANCE : "ffeeddccbbaa99887766554433221100";
    GstElement *a =
        member (ch, "alice", inst, round ? alice_id2 : alice_id, NULL);
    GstElement *b = member (ch, "bob", inst, NULL, known);
    GstBus *bus = gst_bus_new ();
    gboolean changed;

    gst_element_set_bus (b, bus);
    gst_element_set_state (a, GST_STATE_PLAYING);
    gst_element_set_state (b, GST_STATE_PLAYING);
    wait_agreement (ch, 0);
    changed = find_message (
        bus, "keyexchange-identity-changed", "participant-id", "alice");
    fail_unless (
        changed == (round == 1), "round %u: changed=%d", round, changed);
    channel_free (ch);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    gst_object_unref (a);
    gst_object_unref (b);
  }
  fail_unless (g_stat (alice_id, &st) == 0);
  fail_unless_equals_int (st.st_mode & 0777, 0600);
  g_unlink (alice_id);
  g_unlink (alice_id2);
  g_unlink (known);
  g_rmdir (dir);
  g_free (alice_id);
  g_free (alice_id2);
  g_free (known);
  g_free (dir);
}

GST_END_TEST;

/* Missing settings are a clear error, not a crash. */
GST_START_TEST (test_bad_settings)
{
  GstElement *kx = gst_element_factory_make ("keyexchange", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;

  gst_element_set_bus (kx, bus);
  fail_unless_equals_int (
      gst_element_set_state (kx, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_unref (m);
  gst_element_set_state (kx, GST_STATE_NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_object_unref (kx);
}

GST_END_TEST;

static Suite *
keyexchange_suite (void)
{
  Suite *s = suite_create ("keyexchange");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_three_elements);
  tcase_add_test (tc, test_tofu);
  tcase_add_test (tc, test_bad_settings);
  return s;
}

GST_CHECK_MAIN (keyexchange);
