{{/* The chart's name, and the prefix of every object's name. */}}
{{- define "codearena.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "codearena.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selector labels of one component (api, worker, redis, test). */}}
{{- define "codearena.selectorLabels" -}}
app.kubernetes.io/name: {{ include "codearena.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The recommended labels of every object; call with dict "root" $ "component" "api". */}}
{{- define "codearena.labels" -}}
{{ include "codearena.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: codearena
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end }}

{{/* Labels every pod of the release carries, which the default-deny NetworkPolicy selects. */}}
{{- define "codearena.instanceLabels" -}}
app.kubernetes.io/name: {{ include "codearena.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "codearena.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "codearena.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image of the project: call with dict "root" $ "name" "api". */}}
{{- define "codearena.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .name (default .root.Chart.AppVersion .root.Values.image.tag) }}
{{- end }}

{{/* The worker image of a pool: its own, worker-<language> for one language, else worker. */}}
{{- define "codearena.poolImageName" -}}
{{- if .imageName }}{{ .imageName }}
{{- else if eq (len .languages) 1 }}{{ printf "worker-%s" (first .languages) }}
{{- else }}worker
{{- end }}
{{- end }}

{{- define "codearena.secretName" -}}
{{- printf "%s-secrets" (include "codearena.fullname" .) }}
{{- end }}

{{- define "codearena.redisUrl" -}}
{{- if .Values.redis.enabled }}
{{- printf "redis://%s-redis:6379" (include "codearena.fullname" .) }}
{{- else }}
{{- required "redis.external.url is required when redis.enabled is false" .Values.redis.external.url }}
{{- end }}
{{- end }}

{{/* Seconds Kubernetes waits after SIGTERM: the node's drain plus time to report and exit. */}}
{{- define "codearena.terminationGrace" -}}
{{- add . 15 }}
{{- end }}

{{/* Where the JWT keys come from: an existing Secret or the chart's. */}}
{{- define "codearena.authSecretName" -}}
{{- default (include "codearena.secretName" .) .Values.auth.existingSecret }}
{{- end }}

{{- define "codearena.jwtSecretGiven" -}}
{{- if or .Values.auth.existingSecret .Values.auth.jwtSecret .Values.auth.generateJwtSecret }}true{{ end }}
{{- end }}

{{- define "codearena.jwtPublicKeyGiven" -}}
{{- if or .Values.auth.existingSecret .Values.auth.jwtPublicKey }}true{{ end }}
{{- end }}

{{/* Environment and mounts every CodeArena node shares. */}}
{{- define "codearena.commonEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: NODE_ID
  value: $(POD_NAME)
- name: REDIS_URL
  value: {{ include "codearena.redisUrl" . | quote }}
- name: CODEARENA_LANGUAGES
  value: /etc/codearena/languages.json
{{- include "codearena.redisPasswordEnv" (dict "root" . "name" "REDIS_PASSWORD") }}
- name: CLUSTER_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ default (include "codearena.secretName" .) .Values.cluster.existingSecret }}
      key: cluster-secret
{{- end }}

{{- define "codearena.configVolume" -}}
- name: config
  configMap:
    name: {{ include "codearena.fullname" . }}-languages
    items:
      - key: languages.json
        path: languages.json
{{- end }}

{{- define "codearena.probes" -}}
startupProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
readinessProbe:
  httpGet:
    path: /ready
    port: http
  periodSeconds: 5
  timeoutSeconds: 5
  failureThreshold: 2
{{- end }}

{{/* Authentication settings; every node gets them, since METRICS_AUTH and JWT_* need a key. */}}
{{- define "codearena.authEnv" -}}
{{- if include "codearena.jwtSecretGiven" . }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "codearena.authSecretName" . }}
      key: jwt-secret
      optional: {{ not (empty .Values.auth.existingSecret) }}
{{- end }}
{{- if include "codearena.jwtPublicKeyGiven" . }}
- name: JWT_PUBLIC_KEY_FILE
  value: /etc/codearena/auth/jwt-public-key
{{- end }}
{{- if .Values.auth.webhookSecret }}
- name: WEBHOOK_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "codearena.secretName" . }}
      key: webhook-secret
{{- end }}
{{- end }}

{{- define "codearena.authVolume" -}}
{{- if include "codearena.jwtPublicKeyGiven" . }}
- name: auth
  secret:
    secretName: {{ include "codearena.authSecretName" . }}
    optional: {{ not (empty .Values.auth.existingSecret) }}
    items:
      - key: jwt-public-key
        path: jwt-public-key
{{- end }}
{{- end }}

{{- define "codearena.authMount" -}}
{{- if include "codearena.jwtPublicKeyGiven" . }}
- name: auth
  mountPath: /etc/codearena/auth
  readOnly: true
{{- end }}
{{- end }}

{{/*
Jobs a worker pool could take, in PromQL: the leader's queues (every node may report them, so
the most), only the pool's languages when it lists some. Takes (dict "root" $ "pool" $pool).
*/}}
{{- define "codearena.queueDepthQuery" -}}
{{- $root := .root }}
{{- $matchers := printf "namespace=\"%s\",service=\"%s-metrics\"" $root.Release.Namespace (include "codearena.fullname" $root) }}
{{- with .pool.languages }}
{{- $matchers = printf "%s,language=~\"%s\"" $matchers (join "|" .) }}
{{- end }}
{{- printf "max(sum by (pod) (codearena_queue_depth_jobs{%s}))" $matchers }}
{{- end }}

{{/* Scale workers down one pod per drain period, so each finishes its jobs before the next. */}}
{{- define "codearena.workerScaleBehavior" -}}
scaleDown:
  stabilizationWindowSeconds: 300
  policies:
    - type: Pods
      value: 1
      periodSeconds: {{ include "codearena.terminationGrace" .Values.worker.shutdownGraceSeconds }}
scaleUp:
  stabilizationWindowSeconds: 0
  policies:
    - type: Percent
      value: 100
      periodSeconds: 30
{{- end }}

{{/* Egress to Redis: the release's pod or the external addresses. */}}
{{- define "codearena.redisEgress" -}}
{{- if .Values.redis.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "codearena.selectorLabels" (dict "root" . "component" "redis") | nindent 10 }}
  ports:
    - protocol: TCP
      port: 6379
{{- else }}
- ports:
    - protocol: TCP
      port: {{ .Values.redis.external.port }}
  {{- with .Values.redis.external.cidrs }}
  to:
    {{- range . }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}

{{/* The Redis password as the variable `name`, when Redis has one. */}}
{{- define "codearena.redisPasswordEnv" -}}
{{- $redis := .root.Values.redis }}
{{- if or $redis.enabled $redis.password $redis.existingSecret }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ default (include "codearena.secretName" .root) $redis.existingSecret }}
      key: redis-password
{{- end }}
{{- end }}
