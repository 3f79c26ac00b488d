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

G_END_DECLS

#endif /* __GST_MEETING_ELEMENTS_H__ */
