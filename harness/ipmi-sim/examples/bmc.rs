//! A stand-alone simulated BMC on UDP, for trying real IPMI clients.
//!
//! ```text
//! cargo run -p ipmi-sim --example bmc -- --addr 127.0.0.1:0 --user admin:secret [--scenario FILE]
//! ```
//! Prints `listening on ipmi udp://ADDR` once the socket is bound.

use ipmi_sim::{serve_lan, Bmc, Clock, Scenario, SharedBmc};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = "127.0.0.1:6230".to_owned();
    let mut users = Vec::new();
    let mut scenario = Scenario::builtin_default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs a value")?,
            "--user" => {
                let v = args.next().ok_or("--user needs NAME:PASS")?;
                let (n, p) = v.split_once(':').ok_or("--user needs NAME:PASS")?;
                users.push((n.to_owned(), p.to_owned()));
            }
            "--scenario" => {
                scenario = Scenario::from_toml(&std::fs::read_to_string(
                    args.next().ok_or("--scenario needs a file")?,
                )?)?
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if users.is_empty() {
        users.push(("admin".into(), "admin".into()));
        println!("no --user given: accepting admin:admin");
    }
    let bmc = SharedBmc::new(Bmc::new(scenario, &users)?, Clock::real());
    let socket = tokio::net::UdpSocket::bind(&addr).await?;
    println!("listening on ipmi udp://{}", socket.local_addr()?);
    serve_lan(socket, bmc, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
