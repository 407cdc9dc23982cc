{{/*
Names. The release's objects are called <release>-daap (or just <release> when the
release name already contains "daap"), like most charts.
*/}}
{{- define "daap.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "daap.fullname" -}}
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

{{- define "daap.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "daap.labels" -}}
helm.sh/chart: {{ include "daap.chart" . }}
{{ include "daap.selectorLabels" . }}
app.kubernetes.io/version: {{ include "daap.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: daap
{{- end }}

{{/* What selects every pod of the release (API, worker, migrations). */}}
{{- define "daap.selectorLabels" -}}
app.kubernetes.io/name: {{ include "daap.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The API pods: `daap serve`. */}}
{{- define "daap.apiSelectorLabels" -}}
{{ include "daap.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "daap.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "daap.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: the existing ServiceAccount to run as (serviceAccount.create is false)" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "daap.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "daap.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "daap.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
Settings the chart sets itself (from other values, or because the pod layout needs them):
they may not appear in `config`.
*/}}
{{- define "daap.reservedSettings" -}}
DATABASE_URL DAAP_DATAHUB_TOKEN DAAP_BIND DAAP_METRICS_BIND DAAP_DATA_DIR DAAP_MIGRATE_ON_START DAAP_SYNC_WORKER DAAP_SHUTDOWN_DELAY_SECS DAAP_SHUTDOWN_TIMEOUT_SECS
{{- end }}

{{/* The longest a catalogue delivery may take, in whole seconds (DAAP_SYNC_TIMEOUT_MS). */}}
{{- define "daap.syncTimeoutSeconds" -}}
{{- $ms := int (.Values.config.DAAP_SYNC_TIMEOUT_MS | default 30000) }}
{{- div (add $ms 999) 1000 }}
{{- end }}

{{/*
terminationGracePeriodSeconds of the API pods: after SIGTERM daap keeps serving for the
shutdown delay (readiness 503, so the ingress stops routing), then drains in-flight requests
(bounded by the shutdown timeout) and in-flight catalogue deliveries (bounded by the sync
timeout); 10 s of margin on top. An explicit value must be larger than that sum.
*/}}
{{- define "daap.apiGracePeriod" -}}
{{- $needed := add (int .Values.shutdown.delaySeconds) (int .Values.shutdown.timeoutSeconds) (int (include "daap.syncTimeoutSeconds" .)) }}
{{- if .Values.terminationGracePeriodSeconds }}
{{- if le (int .Values.terminationGracePeriodSeconds) $needed }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed shutdown.delaySeconds + shutdown.timeoutSeconds + DAAP_SYNC_TIMEOUT_MS in seconds (%d)" (int .Values.terminationGracePeriodSeconds) $needed) }}
{{- end }}
{{- .Values.terminationGracePeriodSeconds }}
{{- else }}
{{- add $needed 10 }}
{{- end }}
{{- end }}

{{/* DATABASE_URL, from its Secret: every daap container. */}}
{{- define "daap.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.secretName: the existing Secret holding DATABASE_URL" .Values.database.secretName }}
      key: {{ .Values.database.secretKey }}
{{- end }}

{{/* DATABASE_URL and the DataHub token: the containers that deliver to the catalogues. */}}
{{- define "daap.secretEnv" -}}
{{ include "daap.databaseEnv" . }}
{{- if .Values.datahub.tokenSecretName }}
- name: DAAP_DATAHUB_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.datahub.tokenSecretName }}
      key: {{ .Values.datahub.tokenSecretKey }}
{{- end }}
{{- end }}

{{/* The container securityContext every daap container gets. */}}
{{- define "daap.containerSecurityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{/* Checks across values, made once (from the ConfigMap's template). */}}
{{- define "daap.validate" -}}
{{- $reserved := splitList " " (include "daap.reservedSettings" .) }}
{{- range $key, $value := .Values.config }}
{{- if has $key $reserved }}
{{- fail (printf "config.%s: set by the chart itself; see the comment on `config` in values.yaml" $key) }}
{{- end }}
{{- end }}
{{- $scaled := or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled }}
{{- if and $scaled (not .Values.config.DAAP_UPLOAD_BUCKET) }}
{{- fail "config.DAAP_UPLOAD_BUCKET is empty: without a bucket every pod keeps uploads (and the key that signs their forms) in its own /tmp, which works with one replica only. Set the landing bucket, or run replicaCount: 1 with autoscaling.enabled: false" }}
{{- end }}
{{- if and .Values.worker.enabled (not (or .Values.config.DAAP_GLUE_CURATED_LOCATION .Values.config.DAAP_DATAHUB_GMS_URL)) }}
{{- fail "worker.enabled: a sync worker needs a target: set config.DAAP_GLUE_CURATED_LOCATION and/or config.DAAP_DATAHUB_GMS_URL" }}
{{- end }}
{{- end }}

{{/* The settings of `config` that are not empty, sorted, as "KEY: value" lines. */}}
{{- define "daap.configData" -}}
{{- range $key := keys .Values.config | sortAlpha }}
{{- $value := get $.Values.config $key }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* The pod-level parts every daap pod shares. */}}
{{- define "daap.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Volumes every daap pod has: /tmp, and the extra ones. */}}
{{- define "daap.volumes" -}}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
  {{- with .Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{- define "daap.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- with .Values.extraVolumeMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* envFrom of the long-running containers: the ConfigMap, then the extra sources. */}}
{{- define "daap.envFrom" -}}
envFrom:
  - configMapRef:
      name: {{ include "daap.fullname" . }}
  {{- with .Values.extraEnvFrom }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
