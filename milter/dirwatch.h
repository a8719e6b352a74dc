/*
 * NAME
 *	dirwatch.h - the thread that keeps the recipient directory live
 */
#ifndef LG_DIRWATCH_H
#define LG_DIRWATCH_H

int lg_dirwatch_start(void);
void lg_dirwatch_stop(void);

#endif
