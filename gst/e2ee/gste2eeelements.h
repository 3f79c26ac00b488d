/* Element registration of the e2ee plugin.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_ELEMENTS_H__
#define __GST_E2EE_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL void e2ee_element_init (GstPlugin *plugin);

GST_ELEMENT_REGISTER_DECLARE (e2eeenc);
GST_ELEMENT_REGISTER_DECLARE (e2eedec);
GST_ELEMENT_REGISTER_DECLARE (keyexchange);

G_END_DECLS

#endif /* __GST_E2EE_ELEMENTS_H__ */
