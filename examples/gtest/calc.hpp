// calc: a tiny integer library, the code under test of offload's GoogleTest example.
#pragma once

namespace calc {

int add(int a, int b);
int divide(int a, int b); // throws std::domain_error when b is 0
int square(int a);
int parse(const char *text); // decimal digits with an optional leading '-'

} // namespace calc
