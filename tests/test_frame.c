#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "cfavro.h"
static void t(void **s) { (void)s; assert_string_equal(cfavro_version(), CFAVRO_VERSION_STRING); }
int main(void) { const struct CMUnitTest tests[] = { cmocka_unit_test(t) }; return cmocka_run_group_tests(tests, NULL, NULL); }
