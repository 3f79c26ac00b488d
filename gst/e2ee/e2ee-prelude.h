/* libgste2ee-1.0: the export macro of the library's public API.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The library is built with -fvisibility=hidden: only declarations marked
 * GST_E2EE_API are exported.  BUILDING_GST_E2EE is defined while the library
 * itself is compiled.  This header needs no GStreamer (the SFrame codec is
 * GStreamer-free), only a C compiler.
 */
#ifndef __GST_E2EE_PRELUDE_H__
#define __GST_E2EE_PRELUDE_H__

#ifndef GST_E2EE_API
#if defined(BUILDING_GST_E2EE) && (defined(__GNUC__) || defined(__clang__))
#define GST_E2EE_API extern __attribute__ ((visibility ("default")))
#else
#define GST_E2EE_API extern
#endif
#endif

#endif /* __GST_E2EE_PRELUDE_H__ */
