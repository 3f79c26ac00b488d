/* meetingsink: see gstmeetingsink.c.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MEETING_SINK_H__
#define __GST_MEETING_SINK_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MEETING_SINK (gst_meeting_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstMeetingSink, gst_meeting_sink, GST, MEETING_SINK, GstElement)

G_END_DECLS

#endif /* __GST_MEETING_SINK_H__ */
