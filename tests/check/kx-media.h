/* Media between two participants' keyrings, as the key exchange left them:
 * shared by the key-exchange tests of the state machine (libs/kx-common.h)
 * and of the element (elements/keyexchange.c).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __KX_MEDIA_H__
#define __KX_MEDIA_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "gste2eekeyring.h"

/* A frame from a to b through e2eeenc on ka and e2eedec on kb: it comes out
 * as it went in. */
static inline void
check_keyring_media (
    GstE2eeKeyring *ka, GstE2eeKeyring *kb, const gchar *a, const gchar *b)
{
  GstElement *enc = gst_element_factory_make ("e2eeenc", NULL);
  GstElement *dec = gst_element_factory_make ("e2eedec", NULL);
  GstContext *ca = gst_e2ee_context_new_keyring (ka, TRUE);
  GstContext *cb = gst_e2ee_context_new_keyring (kb, TRUE);
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
  fail_unless (ct != NULL, "%s cannot send", a);
  gst_harness_set_src_caps (hd, gst_pad_get_current_caps (he->sinkpad));
  out = gst_harness_push_and_pull (hd, ct);
  fail_unless (out != NULL, "%s cannot decrypt %s", b, a);
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

#endif /* __KX_MEDIA_H__ */
