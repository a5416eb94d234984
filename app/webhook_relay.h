// Carries how webhook deliveries stand from the sender's threads to the job service, which
// records it in the job (GET /api/jobs/:id shows it, the job store keeps it).
//
// The sender is made before the service and outlives it, so the relay forwards only while a
// service is attached. Thread-safe: attach() waits for a forward in progress.
#pragma once

#include <mutex>

#include "node/service.h"
#include "webhooks/webhook_sender.h"

namespace codearena::app {

class WebhookRelay {
 public:
  // Forwards to `service` from now on; nullptr stops forwarding. The service must stay alive
  // until it is detached.
  void attach(actors::JobService* service);
  // A delivery's end (`final`) or a failed attempt with another to follow.
  void forward(const webhooks::DeliveryOutcome& outcome, bool final);

 private:
  std::mutex mutex_;
  actors::JobService* service_ = nullptr;
};

}  // namespace codearena::app
