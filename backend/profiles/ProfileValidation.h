#pragma once

#include <QStringList>

#include "ConnectionProfile.h"

namespace fraudops {

// What is wrong with a profile before it is saved, each naming the field: an empty or
// reserved name, an endpoint without a valid port, a Prometheus URL that is not http(s), a
// CA file that does not exist. Empty when it can be saved.
QStringList profileErrors(const ConnectionProfile& profile);

}  // namespace fraudops
