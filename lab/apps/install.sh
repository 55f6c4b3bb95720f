#!/usr/bin/env bash
# Installs the lab AI apps into an image being built (run by
# scripts/build-images.sh inside a container from the base image, with this
# directory mounted at /src). Not for real servers.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
useradd --system --home-dir /srv/aiguard-lab --shell /usr/sbin/nologin aiapp
install -d -o root -g root -m 0755 /opt/aiguard-lab
python3 -m venv /opt/aiguard-lab/venv
/opt/aiguard-lab/venv/bin/pip install --quiet --no-cache-dir --progress-bar off \
  --disable-pip-version-check -r /src/requirements.txt
install -m 0644 /src/gradio_app.py /src/api_proxy.py /opt/aiguard-lab/
/opt/aiguard-lab/venv/bin/python -m compileall -q /opt/aiguard-lab/*.py
install -d -o aiapp -g aiapp -m 0755 /srv/aiguard-lab /srv/aiguard-lab/gradio \
  /srv/aiguard-lab/gradio/uploads /srv/aiguard-lab/gradio/outputs
install -m 0644 /src/aiguard-lab-gradio.env /etc/default/aiguard-lab-gradio
install -m 0640 -g aiapp /src/aiguard-lab-apiproxy.env /etc/default/aiguard-lab-apiproxy
install -m 0644 /src/aiguard-lab-gradio.service /src/aiguard-lab-apiproxy.service \
  /etc/systemd/system/
systemctl enable aiguard-lab-gradio.service aiguard-lab-apiproxy.service
apt-get clean
rm -rf /var/lib/apt/lists/*
touch -d @0 /var/lib/apt/lists
