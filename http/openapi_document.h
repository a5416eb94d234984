// The OpenAPI 3 description of the REST API (http/openapi.json, compiled into the binary so
// GET /api/openapi.json needs no file at run time).
#pragma once

#include <string>

namespace codearena::http {

const std::string& openapi_document();

}  // namespace codearena::http
