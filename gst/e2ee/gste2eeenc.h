/* e2eeenc: SFrame (RFC 9605) encryption of RTP payloads or whole frames.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_E2EE_ENC_H__
#define __GST_E2EE_ENC_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_E2EE_ENC (gst_e2ee_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstE2eeEnc, gst_e2ee_enc, GST, E2EE_ENC, GstElement)

G_END_DECLS

#endif /* __GST_E2EE_ENC_H__ */
