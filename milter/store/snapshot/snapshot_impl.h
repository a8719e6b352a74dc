/*
 * NAME
 *	snapshot_impl.h - the snapshot format, shared by snapshot_write.c,
 *	snapshot_read.c and snapshot_crc.c only
 * DESCRIPTION
 *	The format is described in snapshot.h. Call lg_snap_crc_init()
 *	before lg_snap_crc32().
 */
#ifndef LG_SNAPSHOT_IMPL_H
#define LG_SNAPSHOT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_MAGIC	"LGSNAP\r\n"
#define SNAP_VERSION	1
#define SNAP_HEADER	48
#define SNAP_NAMES_MAX	65535
#define SNAP_RECORD_MIN	11		/* bytes of the smallest record */
#define SNAP_RECORD_MAX	8192		/* more than the largest record */
#define SNAP_READ_BUF	(1 << 20)

/* get_le32 - a little-endian 32-bit value */
static inline uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* get_le64 - a little-endian 64-bit value */
static inline uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* put_le32 - store a little-endian 32-bit value */
static inline void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* put_le64 - store a little-endian 64-bit value */
static inline void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* lg_snap_crc_init - build the CRC-32 tables, once */
void lg_snap_crc_init(void);

/* lg_snap_crc32 - continue a CRC-32 over N more bytes (start from 0) */
uint32_t lg_snap_crc32(uint32_t crc, const unsigned char *p, size_t n);

#endif
