/*
 * NAME
 *	snapshot_crc.c - CRC-32 of the snapshot file
 * SYNOPSIS
 *	#include "snapshot_impl.h"
 *
 *	lg_snap_crc_init();
 *	crc = lg_snap_crc32(crc, bytes, n);
 * DESCRIPTION
 *	CRC-32 (IEEE, reflected) by slicing-by-8: eight tables, eight bytes
 *	a step. The tables are built once, by whichever thread comes first.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Store library. */
#include "snapshot_impl.h"

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

/* crc_init - tables for CRC-32 (IEEE, reflected), eight bytes a step */
static void crc_init(void)
{
	uint32_t c;
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
		crc_table[0][i] = c;
	}
	for (k = 1; k < 8; k++)
		for (i = 0; i < 256; i++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
				crc_table[0][crc_table[k - 1][i] & 0xff];
}

/* lg_snap_crc_init - build the tables unless that was done */
void lg_snap_crc_init(void)
{
	pthread_once(&crc_once, crc_init);
}

/* lg_snap_crc32 - continue a CRC-32 over N more bytes (start from 0) */
uint32_t lg_snap_crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	const uint32_t (*t)[256] = crc_table;
	uint32_t lo, hi;

	crc = ~crc;
	for (; n >= 8; p += 8, n -= 8) {
		lo = crc ^ get_le32(p);
		hi = get_le32(p + 4);
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
			t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
			t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
			t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (n-- > 0)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
