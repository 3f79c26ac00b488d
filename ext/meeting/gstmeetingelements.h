/* The meeting plugin's elements.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MEETING_ELEMENTS_H__
#define __GST_MEETING_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (meetingsink);
GST_ELEMENT_REGISTER_DECLARE (meetingsrc);

/* uri, participant, passcode, reconnect-timeout, tls-ca-file: the same on
 * both elements */
void gst_meeting_install_common_properties (GObjectClass *klass, guint prop_uri,
    guint prop_participant, guint prop_passcode, guint prop_reconnect,
    guint prop_tls_ca);

G_END_DECLS

#endif /* __GST_MEETING_ELEMENTS_H__ */
