/* The e2ee plugin: SFrame end-to-end encryption for GStreamer.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:plugin-e2ee
 *
 * End-to-end encryption of media with SFrame (RFC 9605): e2eeenc and
 * e2eedec, the meeting keyring they share, and keyexchange, the key
 * agreement that fills it.
 *
 * See also: @e2eeenc, @e2eedec, @keyexchange
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (e2eeenc, plugin);
  ret |= GST_ELEMENT_REGISTER (e2eedec, plugin);
  ret |= GST_ELEMENT_REGISTER (keyexchange, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, e2ee,
    "End-to-end encryption of media with SFrame (RFC 9605)", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
