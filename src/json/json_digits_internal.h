/*
 * Two-digit table and writer shared by the JSON number and logical-type
 * formatters (json_number.c, json_logical.c). Static so that each stays a
 * constant table and an inlined load and store in its caller: these sit on
 * the hot paths of integers, doubles, dates and timestamps.
 */
#ifndef CFAVRO_JSON_DIGITS_INTERNAL_H
#define CFAVRO_JSON_DIGITS_INTERNAL_H

#include <string.h>

/* "00" "01" ... "99" back to back: digits of v < 100 at 2 * v. */
static const char cf_digits2[200] = "00010203040506070809"
                                    "10111213141516171819"
                                    "20212223242526272829"
                                    "30313233343536373839"
                                    "40414243444546474849"
                                    "50515253545556575859"
                                    "60616263646566676869"
                                    "70717273747576777879"
                                    "80818283848586878889"
                                    "90919293949596979899";

/* Write the two digits of v < 100 at d; returns d + 2. */
static inline char *cf_put2(char *d, unsigned v)
{
    memcpy(d, cf_digits2 + 2 * v, 2);
    return d + 2;
}

#endif
