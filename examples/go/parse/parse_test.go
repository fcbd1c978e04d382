package parse

import (
	"fmt"
	"testing"
)

func TestRect(t *testing.T) {
	if got, err := Area("rect 3 4"); err != nil || got != 12 {
		t.Fatalf("Area(rect 3 4) = %v, %v", got, err)
	}
}

// Fails on purpose: the message and the output below reach the JUnit report.
func TestUnknownShapeMessage(t *testing.T) {
	fmt.Println("parsing a triangle")
	_, err := Area("triangle 1 2 3")
	if err == nil || err.Error() != "unsupported shape triangle" {
		t.Errorf("error = %v, want unsupported shape triangle", err)
	}
}

// Panics on purpose (a missing number indexes past the slice): the panic ends the test binary,
// so the tests after it in this package must run again in another process.
func TestRectMissingHeight(t *testing.T) {
	_, err := Area("rect 3")
	if err == nil {
		t.Fatal("want an error for a missing height")
	}
}

func TestUnknownShape(t *testing.T) {
	if _, err := Area("hexagon 1"); err == nil {
		t.Fatal("want an error for an unknown shape")
	}
}

func TestEmpty(t *testing.T) {
	if _, err := Area(""); err == nil {
		t.Fatal("want an error for an empty shape")
	}
}
