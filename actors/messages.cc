#include "actors/messages.h"

#include <caf/actor_system_config.hpp>

namespace codearena::actors {

void register_message_types(caf::actor_system_config& config) {
  config.add_message_type<TestCaseSpec>("TestCaseSpec")
      .add_message_type<JobSpec>("JobSpec")
      .add_message_type<TestOutcome>("TestOutcome")
      .add_message_type<JobOutcome>("JobOutcome")
      .add_message_type<AttemptReport>("AttemptReport")
      .add_message_type<WebhookStatus>("WebhookStatus")
      .add_message_type<JobStatus>("JobStatus")
      .add_message_type<JobEvent>("JobEvent")
      .add_message_type<SubmitReply>("SubmitReply")
      .add_message_type<CancelReply>("CancelReply")
      .add_message_type<NodeInfo>("NodeInfo")
      .add_message_type<RunningAttempt>("RunningAttempt")
      .add_message_type<std::vector<RunningAttempt>>("std::vector<RunningAttempt>")
      .add_message_type<NodeStats>("NodeStats")
      .add_message_type<StoredJob>("StoredJob")
      .add_message_type<std::vector<StoredJob>>("std::vector<StoredJob>")
      .add_message_type<SchedulerStats>("SchedulerStats")
      .add_message_type<JobQuery>("JobQuery")
      .add_message_type<JobPage>("JobPage")
      .add_message_type<job_listener_actor>("job_listener_actor")
      .add_message_type<worker_actor>("worker_actor")
      .add_message_type<scheduler_actor>("scheduler_actor")
      .add_message_type<JobHop>("JobHop")
      .add_message_type<ActorReport>("ActorReport")
      .add_message_type<NodeReport>("NodeReport")
      .add_message_type<InspectorEntry>("InspectorEntry")
      .add_message_type<ClusterView>("ClusterView")
      .add_message_type<inspector_actor>("inspector_actor");
}

}  // namespace codearena::actors
