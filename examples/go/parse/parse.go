// Package parse reads shapes from text like "rect 3 4" or "circle 2".
package parse

import (
	"fmt"
	"strconv"
	"strings"

	"example.com/shapes/geometry"
)

// Area parses one shape and returns its area.
func Area(text string) (float64, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return 0, fmt.Errorf("empty shape")
	}
	numbers := make([]float64, 0, len(fields)-1)
	for _, field := range fields[1:] {
		n, err := strconv.ParseFloat(field, 64)
		if err != nil {
			return 0, fmt.Errorf("bad number %q", field)
		}
		numbers = append(numbers, n)
	}
	switch fields[0] {
	case "rect":
		return geometry.Rect{W: numbers[0], H: numbers[1]}.Area(), nil
	case "circle":
		return geometry.Circle{R: numbers[0]}.Area(), nil
	}
	return 0, fmt.Errorf("unknown shape %q", fields[0])
}
