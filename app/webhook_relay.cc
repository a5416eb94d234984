#include "app/webhook_relay.h"

namespace codearena::app {

void WebhookRelay::attach(actors::JobService* service) {
  std::lock_guard<std::mutex> lock(mutex_);
  service_ = service;
}

void WebhookRelay::forward(const webhooks::DeliveryOutcome& outcome, bool final) {
  actors::WebhookStatus webhook;
  webhook.state = !final              ? actors::WebhookState::kDelivering
                  : outcome.delivered ? actors::WebhookState::kDelivered
                                      : actors::WebhookState::kFailed;
  webhook.attempts = outcome.attempts;
  webhook.last_error = outcome.last_error;
  webhook.last_status = static_cast<int32_t>(outcome.last_http_status);
  std::lock_guard<std::mutex> lock(mutex_);
  if (service_ != nullptr) service_->record_webhook(outcome.job_id, std::move(webhook));
}

}  // namespace codearena::app
