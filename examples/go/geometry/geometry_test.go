package geometry

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestRectArea(t *testing.T) {
	if got := (Rect{3, 4}).Area(); got != 12 {
		t.Fatalf("Area() = %v, want 12", got)
	}
}

func TestRectPerimeter(t *testing.T) {
	if got := (Rect{3, 4}).Perimeter(); got != 14 {
		t.Fatalf("Perimeter() = %v, want 14", got)
	}
}

// Subtests are part of their top-level test: offload reports TestCircleArea, with each case's
// result in its output. Their names hold regular expression characters on purpose.
func TestCircleArea(t *testing.T) {
	for _, c := range []struct {
		name string
		r    float64
	}{{"unit (r=1)", 1}, {"r*2+[x]", 2}, {"zero|none", 0}} {
		t.Run(c.name, func(t *testing.T) {
			want := math.Pi * c.r * c.r
			if got := (Circle{c.r}).Area(); math.Abs(got-want) > 1e-9 {
				t.Errorf("Area() = %v, want %v", got, want)
			}
		})
	}
}

// Parallel tests run after the sequential ones, side by side.
func TestSlowParallelA(t *testing.T) {
	t.Parallel()
	time.Sleep(200 * time.Millisecond)
}

func TestSlowParallelB(t *testing.T) {
	t.Parallel()
	time.Sleep(200 * time.Millisecond)
}

func TestNeedsGPU(t *testing.T) {
	t.Skip("no GPU on this machine")
}

func ExampleRect_Area() {
	fmt.Println(Rect{2, 5}.Area())
	// Output: 10
}

func BenchmarkRectArea(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = Rect{3, 4}.Area()
	}
}
