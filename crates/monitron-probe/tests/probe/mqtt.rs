//! MQTT checks against real Mosquitto brokers: the one on 127.0.0.1:1883 (anonymous), and
//! one started here with a password file for the authentication cases.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use monitron_probe::mqtt::{Config, Mode};
use monitron_probe::{Outcome, Probe, Status};

use crate::target::closed_port;

/// The shared broker, or `None` (test skipped) when it is down and skipping is allowed.
fn shared_broker() -> Option<(String, u16)> {
    let address = std::env::var("MONITRON_TEST_MQTT").unwrap_or_else(|_| "127.0.0.1:1883".into());
    let (host, port) = address
        .rsplit_once(':')
        .expect("MONITRON_TEST_MQTT is host:port");
    let port: u16 = port.parse().expect("MONITRON_TEST_MQTT port");
    if std::net::TcpStream::connect((host, port)).is_err() {
        if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") {
            eprintln!("SKIPPED: MQTT test (MONITRON_SKIP_SERVICES=1; no broker at {address})");
            return None;
        }
        panic!("Mosquitto is needed at {address}: start it with `mosquitto -d -c /etc/mosquitto/mosquitto.conf`, point MONITRON_TEST_MQTT elsewhere, or set MONITRON_SKIP_SERVICES=1.");
    }
    Some((host.to_owned(), port))
}

/// A topic no other test or run uses.
fn unique_topic(name: &str) -> String {
    format!("monitron-test/{name}/{}", nanos())
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn config(host: &str, port: u16, topic: &str, mode: Mode, qos: u8) -> Config {
    Config {
        host: host.into(),
        port,
        topic: topic.into(),
        qos,
        username: None,
        password: None,
        client_id: None,
        mode,
        tls: false,
        ca_pem: None,
    }
}

async fn run(mut config: Config, timeout: Duration) -> Outcome {
    config.validate().unwrap();
    config.run(timeout).await
}

#[tokio::test]
async fn connect_mode_connects_and_subscribes() {
    let Some((host, port)) = shared_broker() else {
        return;
    };
    let o = run(
        config(&host, port, "monitron-test/+/status", Mode::Connect, 0),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert!(
        o.details["connect_ms"].as_f64().is_some() && o.details["subscribe_ms"].as_f64().is_some()
    );
}

#[tokio::test]
async fn roundtrip_mode_sees_its_message_come_back_at_every_qos() {
    let Some((host, port)) = shared_broker() else {
        return;
    };
    for qos in 0..=2 {
        let topic = unique_topic("roundtrip");
        let o = run(
            config(&host, port, &topic, Mode::Roundtrip, qos),
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(o.status, Status::Up, "qos {qos}: {o:?}");
        assert_eq!(o.details["message_topic"], topic.as_str());
        assert!(o.details["message_ms"].as_f64().is_some());
    }
}

#[tokio::test]
async fn expect_message_mode_waits_for_a_publisher() {
    let Some((host, port)) = shared_broker() else {
        return;
    };
    let topic = unique_topic("expect");
    let publisher_topic = topic.clone();
    let publisher_host = host.clone();
    let publisher = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let status = tokio::process::Command::new("mosquitto_pub")
            .args([
                "-h",
                &publisher_host,
                "-p",
                &port.to_string(),
                "-t",
                &publisher_topic,
                "-m",
                "temperature=21.5",
            ])
            .status()
            .await
            .unwrap();
        assert!(status.success());
    });
    let o = run(
        config(&host, port, &topic, Mode::ExpectMessage, 1),
        Duration::from_secs(5),
    )
    .await;
    publisher.await.unwrap();
    assert_eq!(o.status, Status::Up, "{o:?}");
    assert_eq!(o.details["message_bytes"], "temperature=21.5".len());
    assert!(
        o.details["message_ms"].as_f64().unwrap() >= 300.0,
        "the message came from the publisher, later"
    );

    let started = Instant::now();
    let silent = run(
        config(&host, port, &unique_topic("silent"), Mode::ExpectMessage, 0),
        Duration::from_millis(800),
    )
    .await;
    assert_eq!(
        (silent.status, silent.message.as_str()),
        (Status::Down, "timed out waiting for a message after 0.8 s")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_closed_port_is_down() {
    let o = run(
        config("127.0.0.1", closed_port(), "a/b", Mode::Connect, 0),
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(o.status, Status::Down);
    assert!(o.message.starts_with("connection failed"), "{}", o.message);
}

/// A Mosquitto of the test's own, on its own port, with extra configuration.
struct Broker {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts a broker; `configure` gets its folder and returns extra configuration lines.
fn own_broker(configure: impl FnOnce(&std::path::Path) -> String) -> Option<Broker> {
    let mosquitto = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(mosquitto) = mosquitto else {
        if std::env::var("MONITRON_SKIP_SERVICES").as_deref() == Ok("1") {
            eprintln!("SKIPPED: MQTT test that needs its own broker (no mosquitto binary)");
            return None;
        }
        panic!("the mosquitto binary is needed (apt-get install mosquitto), or set MONITRON_SKIP_SERVICES=1");
    };
    let dir = std::env::temp_dir().join(format!("monitron-mqtt-{}", nanos()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = closed_port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\npersistence false\n{}",
            configure(&dir)
        ),
    )
    .unwrap();
    let child = Command::new(mosquitto)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "mosquitto did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Broker { child, port, dir })
}

fn auth_broker() -> Option<Broker> {
    own_broker(|dir| {
        let passwords = dir.join("passwords");
        let status = Command::new("mosquitto_passwd")
            .args(["-b", "-c"])
            .arg(&passwords)
            .args(["sensor", "correct-horse"])
            .status()
            .unwrap();
        assert!(status.success());
        format!(
            "allow_anonymous false\npassword_file {}\n",
            passwords.display()
        )
    })
}

#[tokio::test]
async fn tls_brokers_are_reached_and_verified() {
    let ca = monitron_testkit::pki::ca();
    let cert = monitron_testkit::pki::leaf(Some(&ca), &["localhost"], -1, 30);
    let Some(broker) = own_broker(|dir| {
        std::fs::write(dir.join("ca.pem"), &ca.pem).unwrap();
        std::fs::write(dir.join("cert.pem"), &cert.chain_pem).unwrap();
        std::fs::write(dir.join("key.pem"), &cert.key_pem).unwrap();
        format!(
            "allow_anonymous true\ncafile {}\ncertfile {}\nkeyfile {}\n",
            dir.join("ca.pem").display(),
            dir.join("cert.pem").display(),
            dir.join("key.pem").display()
        )
    }) else {
        return;
    };
    let mut trusted = config("localhost", broker.port, "sensors/#", Mode::Connect, 0);
    trusted.tls = true;
    trusted.ca_pem = Some(ca.pem.clone());
    let o = run(trusted.clone(), Duration::from_secs(5)).await;
    assert_eq!(o.status, Status::Up, "{o:?}");
    let mut untrusted = trusted.clone();
    untrusted.ca_pem = None;
    assert_eq!(
        run(untrusted, Duration::from_secs(5)).await.status,
        Status::Down,
        "a private CA is not in the system roots"
    );
    let plaintext = config("localhost", broker.port, "sensors/#", Mode::Connect, 0);
    assert_eq!(
        run(plaintext, Duration::from_secs(3)).await.status,
        Status::Down,
        "plaintext to a TLS listener fails"
    );
}

#[tokio::test]
async fn credentials_are_sent_and_refusals_reported() {
    let Some(broker) = auth_broker() else { return };
    let with = |user: Option<&str>, password: Option<&str>| {
        let mut c = config("127.0.0.1", broker.port, "sensors/#", Mode::Connect, 0);
        c.username = user.map(str::to_owned);
        c.password = password.map(str::to_owned);
        c
    };
    let good = run(
        with(Some("sensor"), Some("correct-horse")),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(good.status, Status::Up, "{good:?}");
    for (user, password) in [(Some("sensor"), Some("wrong")), (None, None)] {
        let o = run(with(user, password), Duration::from_secs(5)).await;
        assert_eq!(o.status, Status::Down, "{user:?}: {o:?}");
        assert!(
            o.message.starts_with("the broker refused the connection"),
            "{}",
            o.message
        );
    }
}

/// Regression: a retained message (from a device that may be long gone) made
/// expect_message report up at once.
#[tokio::test]
async fn retained_messages_do_not_count_as_fresh() {
    let Some((host, port)) = shared_broker() else {
        return;
    };
    let topic = unique_topic("retained");
    let publish = |message: &str| {
        Command::new("mosquitto_pub")
            .args([
                "-h",
                &host,
                "-p",
                &port.to_string(),
                "-t",
                &topic,
                "-r",
                "-m",
                message,
            ])
            .status()
            .unwrap()
    };
    assert!(publish("old news").success());
    let o = run(
        config(&host, port, &topic, Mode::ExpectMessage, 0),
        Duration::from_millis(800),
    )
    .await;
    // Clear the retained message before asserting, so a failure leaves nothing behind.
    Command::new("mosquitto_pub")
        .args([
            "-h",
            &host,
            "-p",
            &port.to_string(),
            "-t",
            &topic,
            "-r",
            "-n",
        ])
        .status()
        .unwrap();
    assert_eq!(o.status, Status::Down, "{o:?}");
}
