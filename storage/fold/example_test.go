package fold_test

import (
	"fmt"

	"github.com/communekit/communekit/storage/fold"
)

func ExampleFold() {
	fmt.Println(fold.Fold("  Đặng  Văn Đức "))
	// Output: dang van duc
}

func ExampleTokens() {
	fmt.Printf("%q\n", fold.Tokens("H'Hen Niê"))
	fmt.Printf("%q\n", fold.Tokens("Y-Moan"))
	// Output:
	// ["hhen" "nie"]
	// ["y" "moan"]
}

func ExampleNormalizeTone() {
	fmt.Println(fold.NormalizeTone("Hoà Bình, Thuỷ, Khoẻ, Quý, Hoàn"))
	// Output: Hòa Bình, Thủy, Khỏe, Quý, Hoàn
}

func ExampleKey() {
	fmt.Println(fold.Key("  HOÀ  BÌNH "))
	// Output: hòa bình
}
