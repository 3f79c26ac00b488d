/* Walking compound RTCP packets (RFC 3550 6.1), for the meeting session
 * and gst-meeting-server alike: header-only, no allocation.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __MEETING_RTCP_H__
#define __MEETING_RTCP_H__

#include <glib.h>

G_BEGIN_DECLS

#define MEETING_RTCP_SR 200
#define MEETING_RTCP_RTPFB 205 /* FMT 1: NACK */
#define MEETING_RTCP_PSFB 206 /* FMT 1: PLI, FMT 4: FIR */

/* Big-endian 32 bits at any alignment (datagrams are byte buffers). */
static inline guint32
meeting_rd32 (const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* RFC 5761: a muxed datagram is RTCP when its second byte is 192..223. */
static inline gboolean
meeting_is_rtcp (const guint8 *buf, gsize len)
{
  return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

typedef struct
{
  const guint8 *h; /* the packet, header included */
  gsize len; /* bytes */
  guint pt; /* packet type */
  guint fmt; /* the count / format field */
} MeetingRtcp;

/* The packet at *off of a compound, advancing *off. FALSE at the end, and
 * then *malformed tells whether the compound was broken (version, length). */
static inline gboolean
meeting_rtcp_next (const guint8 *buf, gsize len, gsize *off, MeetingRtcp *p,
    gboolean *malformed)
{
  const guint8 *h = buf + *off;
  gsize plen;

  *malformed = FALSE;
  if (*off + 4 > len) {
    *malformed = *off != len;
    return FALSE;
  }
  plen = ((gsize)(h[2] << 8 | h[3]) + 1) * 4;
  if ((h[0] >> 6) != 2 || *off + plen > len) {
    *malformed = TRUE;
    return FALSE;
  }
  p->h = h;
  p->len = plen;
  p->pt = h[1];
  p->fmt = h[0] & 0x1f;
  *off += plen;
  return TRUE;
}

/* The SSRCs a feedback packet is about: the media source of a PLI, NACK or
 * any other RTPFB/PSFB, the FCI entries of a FIR (RFC 5104 4.3.1, where the
 * media source field is 0). Up to max; returns how many. */
static inline guint
meeting_rtcp_feedback_targets (const MeetingRtcp *p, guint32 *out, guint max)
{
  guint n = 0;

  if ((p->pt != MEETING_RTCP_RTPFB && p->pt != MEETING_RTCP_PSFB) ||
      p->len < 12)
    return 0;
  if (p->pt == MEETING_RTCP_PSFB && p->fmt == 4) {
    for (gsize fci = 12; fci + 8 <= p->len && n < max; fci += 8)
      out[n++] = meeting_rd32 (p->h + fci);
    return n;
  }
  if (max > 0)
    out[n++] = meeting_rd32 (p->h + 8);
  return n;
}

G_END_DECLS

#endif /* __MEETING_RTCP_H__ */
