/* The meeting plugin: the transport of end-to-end encrypted meetings.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:plugin-meeting
 *
 * meetingsink and meetingsrc join a meeting on gst-meeting-server: WebSocket
 * signaling (libsoup), media over ICE (libnice), and the bulletin board that
 * carries keyexchange's messages.  The server relays only ciphertext.
 *
 * See also: @meetingsink, @meetingsrc
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (meetingsink, plugin);
  ret |= GST_ELEMENT_REGISTER (meetingsrc, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, meeting,
    "Transport of end-to-end encrypted meetings (gst-meeting-server)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
