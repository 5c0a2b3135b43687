// Package modeltest may import model, like httptest imports http.
package modeltest

import _ "example.com/broken/model"
