/* meetingsrc: see gstmeetingsrc.c.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MEETING_SRC_H__
#define __GST_MEETING_SRC_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MEETING_SRC (gst_meeting_src_get_type ())
G_DECLARE_FINAL_TYPE (GstMeetingSrc, gst_meeting_src, GST, MEETING_SRC, GstBin)

G_END_DECLS

#endif /* __GST_MEETING_SRC_H__ */
