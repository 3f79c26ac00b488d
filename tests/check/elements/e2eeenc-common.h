/* Helpers shared by the e2eeenc test programs: a counter directory per
 * test, and e2eeenc with the test key.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __E2EEENC_COMMON_H__
#define __E2EEENC_COMMON_H__

#include "../e2eetest.h"

static gchar *counter_dir;

static inline void
setup (void)
{
  counter_dir = make_tmpdir ();
}

static inline void
teardown (void)
{
  rm_tree (counter_dir);
  g_clear_pointer (&counter_dir, g_free);
}

static inline GstHarness *
enc_harness (gint suite, guint64 kid, const gchar *caps)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstHarness *h;

  gst_util_set_object_arg (G_OBJECT (enc), "cipher-suite", suite_nicks[suite]);
  g_object_set (
      enc, "key", TEST_KEY_HEX, "kid", kid, "counter-dir", counter_dir, NULL);
  h = gst_harness_new_with_element (enc, "sink", "src");
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

#endif /* __E2EEENC_COMMON_H__ */
