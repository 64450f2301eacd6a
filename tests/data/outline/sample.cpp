#include <vector>
#include "shape.hpp"

namespace geo {

// A shape.
class Shape {
public:
    virtual double area() const = 0;
    double twice() const { return 2 * area(); }
};

struct Square : public Shape {
    double side;
    double area() const override { return side * side; }
};

double free_function(int x) {
    return x;
}

}  // namespace geo

void geo::Shape::describe() {
}

int main() {
    return 0;
}
