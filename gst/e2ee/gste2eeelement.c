/* One-time initialisation shared by the elements of the e2ee plugin.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeelements.h"
#include "gste2eecommon.h"
#include "gste2eekeyring.h"
#include "sframe.h"

void
e2ee_element_init (GstPlugin *plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    if (!gst_e2ee_sframe_init ())
      g_critical ("e2ee: libsodium or OpenSSL could not be initialised");
    gst_type_mark_as_plugin_api (GST_TYPE_E2EE_CIPHER_SUITE, 0);
    gst_type_mark_as_plugin_api (GST_TYPE_E2EE_RTP_AUTH_FIELDS, 0);
    gst_type_mark_as_plugin_api (GST_TYPE_E2EE_KEYRING, 0);
    g_once_init_leave (&done, 1);
  }
}
