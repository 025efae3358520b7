//! Collection tasks that keep their names: a task that panics or is
//! cancelled still ends as a failure named by what it was collecting, so a
//! collection goes on past it and its report says what was skipped. Every
//! cloud's collector spawns its accounts, projects or regions here.

use std::collections::HashMap;
use std::future::Future;

use tokio::task::{Id, JoinSet};

/// Tasks spawned with a name, joined as they end.
pub struct Named<T> {
    set: JoinSet<T>,
    names: HashMap<Id, String>,
}

impl<T: Send + 'static> Default for Named<T> {
    fn default() -> Self {
        Named {
            set: JoinSet::new(),
            names: HashMap::new(),
        }
    }
}

impl<T: Send + 'static> Named<T> {
    pub fn spawn(
        &mut self,
        name: impl Into<String>,
        task: impl Future<Output = T> + Send + 'static,
    ) {
        let handle = self.set.spawn(task);
        self.names.insert(handle.id(), name.into());
    }

    /// The next task to end, with its name: its output, or why it gave
    /// none (it panicked or was cancelled).
    pub async fn next(&mut self) -> Option<(String, Result<T, String>)> {
        let joined = self.set.join_next_with_id().await?;
        Some(match joined {
            Ok((id, out)) => (self.names.remove(&id).unwrap_or_default(), Ok(out)),
            Err(e) => {
                let name = self.names.remove(&e.id()).unwrap_or_default();
                let why = if e.is_panic() {
                    format!("the collection task panicked: {}", panic_message(e))
                } else {
                    "the collection task was cancelled".to_string()
                };
                (name, Err(why))
            }
        })
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_that_panics_is_named_and_the_others_end() {
        let mut tasks = Named::default();
        tasks.spawn("projects/good", async { 1 });
        tasks.spawn("projects/bad", async {
            if true {
                panic!("index out of bounds");
            }
            2
        });
        tasks.spawn("projects/other", async { 3 });
        let mut ended = Vec::new();
        while let Some(done) = tasks.next().await {
            ended.push(done);
        }
        ended.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            ended,
            vec![
                (
                    "projects/bad".to_string(),
                    Err("the collection task panicked: index out of bounds".to_string())
                ),
                ("projects/good".to_string(), Ok(1)),
                ("projects/other".to_string(), Ok(3)),
            ]
        );
    }
}
