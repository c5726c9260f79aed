//! An export's response body: the chunks the producer thread sends, read in order, ending
//! cleanly only at the producer's end mark. Should the producer stop early (a database error, a
//! file the spreadsheet writer refuses, a panic), reading fails, so the connection is closed
//! before the final chunk and the client sees an incomplete download rather than a file that
//! looks whole.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use rocket::tokio::io::{AsyncRead, ReadBuf};
use rocket::tokio::sync::mpsc;

/// What the producer sends.
pub enum Piece {
    Bytes(Vec<u8>),
    /// Everything was sent.
    End,
}

pub struct Body {
    pieces: mpsc::Receiver<Piece>,
    current: Vec<u8>,
    read: usize,
    ended: bool,
}

impl Body {
    pub fn new(pieces: mpsc::Receiver<Piece>) -> Self {
        Body {
            pieces,
            current: Vec::new(),
            read: 0,
            ended: false,
        }
    }
}

impl AsyncRead for Body {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let this = &mut *self;
            if this.read < this.current.len() {
                let n = buf.remaining().min(this.current.len() - this.read);
                buf.put_slice(&this.current[this.read..this.read + n]);
                this.read += n;
                return Poll::Ready(Ok(()));
            }
            if this.ended {
                return Poll::Ready(Ok(()));
            }
            match ready!(this.pieces.poll_recv(cx)) {
                Some(Piece::Bytes(bytes)) => {
                    this.current = bytes;
                    this.read = 0;
                }
                Some(Piece::End) => this.ended = true,
                None => {
                    return Poll::Ready(Err(io::Error::other("the export stopped before its end")));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rocket::tokio::io::AsyncReadExt;

    use super::*;

    fn read_all(pieces: Vec<Piece>) -> io::Result<Vec<u8>> {
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let (sender, receiver) = mpsc::channel(pieces.len().max(1));
            for piece in pieces {
                sender.send(piece).await.unwrap();
            }
            drop(sender);
            let mut body = Body::new(receiver);
            let mut all = Vec::new();
            body.read_to_end(&mut all).await.map(|_| all)
        })
    }

    #[test]
    fn a_body_ends_cleanly_only_at_the_end_mark() {
        let whole = read_all(vec![
            Piece::Bytes(b"a,b\r\n".to_vec()),
            Piece::Bytes(Vec::new()),
            Piece::Bytes(b"1,2\r\n".to_vec()),
            Piece::End,
        ]);
        assert_eq!(whole.unwrap(), b"a,b\r\n1,2\r\n");

        let cut = read_all(vec![Piece::Bytes(b"a,b\r\n".to_vec())]);
        assert!(cut.is_err(), "a producer that stopped early fails the body");
        assert!(read_all(Vec::new()).is_err());
    }
}
