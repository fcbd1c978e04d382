// Package geometry computes areas and perimeters of simple shapes.
package geometry

import "math"

// Rect is an axis-aligned rectangle.
type Rect struct{ W, H float64 }

// Area of the rectangle.
func (r Rect) Area() float64 { return r.W * r.H }

// Perimeter of the rectangle.
func (r Rect) Perimeter() float64 { return 2 * (r.W + r.H) }

// Circle of radius R.
type Circle struct{ R float64 }

// Area of the circle.
func (c Circle) Area() float64 { return math.Pi * c.R * c.R }
