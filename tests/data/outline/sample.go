package geometry

import (
	"fmt"
	m "math"
)

// Shape has an area.
type Shape interface {
	Area() float64
}

// Rect is a rectangle.
type Rect struct {
	W, H float64
}

type ID int

// Area returns the area.
func (r *Rect) Area() float64 {
	return r.W * r.H
}

func (r Rect) String() string {
	return fmt.Sprintf("%v", m.Pi)
}

// New makes a Rect.
func New(w, h float64) *Rect {
	return &Rect{W: w, H: h}
}
