#include "calc.hpp"

#include <stdexcept>

namespace calc {

int add(int a, int b)
{
    return a + b;
}

int divide(int a, int b)
{
    if (b == 0)
        throw std::domain_error("division by zero");
    return a / b;
}

int square(int a)
{
    return a * a;
}

int parse(const char *text)
{
    // No check for nullptr: the example's crashing test relies on it.
    const bool negative = *text == '-';
    if (negative)
        ++text;
    int value = 0;
    for (; *text >= '0' && *text <= '9'; ++text)
        value = value * 10 + (*text - '0');
    return negative ? -value : value;
}

} // namespace calc
