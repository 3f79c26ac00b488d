/* e2eedec: SFrame (RFC 9605) decryption of RTP payloads or whole frames.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_DEC_H__
#define __GST_E2EE_DEC_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_DEC (gst_e2ee_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeDec, gst_e2ee_dec, GST, E2EE_DEC, GstElement)

G_END_DECLS

#endif /* __GST_E2EE_DEC_H__ */
