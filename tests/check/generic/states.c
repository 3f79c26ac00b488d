/* Every element of the e2ee plugin cycles through all states without
 * errors or leaks.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "gste2eekeyring.h"

static const GstState cycle[] = { GST_STATE_READY, GST_STATE_PAUSED,
  GST_STATE_PLAYING, GST_STATE_PAUSED, GST_STATE_READY, GST_STATE_PLAYING,
  GST_STATE_NULL, GST_STATE_PLAYING, GST_STATE_NULL };

static void
cycle_states (const gchar *name, gboolean with_key)
{
  GstElement *el = gst_element_factory_make (name, NULL);
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("states");
  GstContext *ctx = gst_e2ee_context_new_keyring (kr, TRUE);

  fail_unless (el != NULL, "no element %s", name);
  if (with_key && g_object_class_find_property (G_OBJECT_GET_CLASS (el), "key"))
    g_object_set (el, "key", "000102030405060708090a0b0c0d0e0f", NULL);
  else
    gst_element_set_context (el, ctx);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (el), "participant-id"))
    g_object_set (el, "participant-id", "p", "meeting-id", "m", "instance",
        "000102030405060708090a0b0c0d0e0f", NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (el), "counter-dir"))
    g_object_set (el, "counter-dir", g_get_tmp_dir (), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cycle); i++) {
    GstStateChangeReturn r = gst_element_set_state (el, cycle[i]);
    fail_if (r == GST_STATE_CHANGE_FAILURE, "%s failed to go to %s", name,
        gst_element_state_get_name (cycle[i]));
    fail_unless_equals_int (
        gst_element_get_state (el, NULL, NULL, 5 * GST_SECOND),
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (el);
  gst_context_unref (ctx);
  gst_object_unref (kr);
}

GST_START_TEST (test_state_changes)
{
  GList *features =
      gst_registry_get_feature_list_by_plugin (gst_registry_get (), "e2ee");
  guint n = 0;

  for (GList *l = features; l; l = l->next) {
    const gchar *name = gst_plugin_feature_get_name (l->data);
    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    cycle_states (name, TRUE);
    cycle_states (name, FALSE);
    n++;
  }
  gst_plugin_feature_list_free (features);
  fail_unless (n >= 2, "only %u elements in the e2ee plugin", n);
}

GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("states");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_state_changes);
  return s;
}

GST_CHECK_MAIN (states);
