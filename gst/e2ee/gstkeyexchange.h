/* keyexchange: authenticated group key agreement for a meeting.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_KEY_EXCHANGE_H__
#define __GST_KEY_EXCHANGE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_KEY_EXCHANGE (gst_key_exchange_get_type ())
G_DECLARE_FINAL_TYPE (
    GstKeyExchange, gst_key_exchange, GST, KEY_EXCHANGE, GstElement)

G_END_DECLS

#endif /* __GST_KEY_EXCHANGE_H__ */
