#include <stdio.h>
#include "point.h"

/* A point. */
struct point {
    int x;
};

enum color { RED, GREEN };

typedef struct { int w; } size_t2;

// Adds two numbers.
static int add(int a, int b) {
    return a + b;
}

int *make(void) {
    return 0;
}

int main(void) {
    return add(1, 2);
}
